"""Files (XEP-0363 uploads, downloads, previews' fetches), composed by `FileSharing` for the façade."""

from xmpptui.xmpp.files.service import FileSharing

__all__ = ["FileSharing"]
