-- Test support for xmpptui: a room occupant limit as the configuration field muc#roomconfig_maxusers
-- (XEP-0045 15.5.3). Prosody 0.12's own MUC has no such limit, and the client's "room is full" handling
-- (XEP-0045 7.2.10: <service-unavailable/>) needs a room that can be full. Loaded on the MUC component.

local st = require "util.stanza";
local jid_bare = require "util.jid".bare;

local choices = { "0"; "1"; "2"; "5"; "10"; "20"; "50"; "100" };

local function get_max_users(room)
	return room._data.max_users or 0;
end

module:hook("muc-config-form", function(event)
	local current = tostring(get_max_users(event.room));
	local options = {};
	for _, value in ipairs(choices) do
		options[#options + 1] = { value = value; label = value == "0" and "No limit" or value;
			default = value == current };
	end
	table.insert(event.form, {
		name = "muc#roomconfig_maxusers";
		type = "list-single";
		label = "Maximum number of occupants";
		options = options;
	});
end, 80 - 10);

module:hook("muc-config-submitted/muc#roomconfig_maxusers", function(event)
	local wanted = tonumber(event.value) or 0;
	if wanted == 0 then wanted = nil; end
	if event.room._data.max_users ~= wanted then
		event.room._data.max_users = wanted;
		event.status_codes["104"] = true;
	end
end);

module:hook("muc-occupant-pre-join", function(event)
	local room, stanza = event.room, event.stanza;
	local limit = get_max_users(room);
	if limit == 0 then return; end
	local joiner = jid_bare(stanza.attr.from);
	local count = 0;
	for _, occupant in room:each_occupant() do
		if occupant.bare_jid == joiner then return; end -- another session of someone already in
		count = count + 1;
	end
	if count >= limit then
		event.origin.send(st.error_reply(stanza, "wait", "service-unavailable",
			"The room has reached its maximum number of occupants", room.jid));
		return true;
	end
end, 5);
