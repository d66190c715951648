"""Group chats (XEP-0045): the room commands, the subject line and occupant list, and the join, room list,
create and configuration dialogs."""
