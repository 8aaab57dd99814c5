-- SPDX-License-Identifier: BSD-2-Clause
-- tests/milter/errors.lua - relay_detect = mailer, and on_error when no
-- decision can be made.
--
-- run.sh starts the daemon with relay_flags = allow, relay_detect = mailer,
-- local_mailers = local, virtual, lmtp, allow.list 192.0.2.0/24, and
-- on_error as given.  miltertest -D globals: sock, lib, on_error
-- (tempfail, accept or reject).
dofile(lib)

local C, Y = SMFIR_CONTINUE, SMFIR_REPLYCODE
local NOPE = on_error == "accept" and C or Y    -- the reply when no decision can be made

local function try(ip, to, mailer)
    local rm = nil
    if mailer ~= nil then rm = {"{rcpt_mailer}", mailer, "{rcpt_host}", "x"} end
    return one(ip, to, {rcpt = rm})
end

-- what the MTA resolved decides
expect("mailer local: a recipient the MTA delivers locally passes",
       try("203.0.113.9", "<user@example.com>", "local"), C)
expect("mailer local: an unqualified recipient (<user>) is judged by its mailer",
       try("203.0.113.9", "<user>", "local"), C)
expect("mailer smtp: an unqualified recipient routed away is a relay recipient",
       try("203.0.113.9", "<user>", "smtp"), Y)
expect("mailer LMTP (any case): local", try("203.0.113.9", "<user@example.com>", "LMTP"), C)
expect("mailer virtual: local", try("203.0.113.9", "<user@example.com>", "virtual"), C)
expect("mailer smtp: a relay recipient, refused for 203.0.113.9",
       try("203.0.113.9", "<user@example.net>", "smtp"), Y)
expect("mailer esmtp: a relay recipient, allowed for 192.0.2.7",
       try("192.0.2.7", "<user@example.net>", "esmtp"), C)
expect("mailer local but a percent hack: still a relay attempt",
       try("203.0.113.9", "<user%example.net@example.com>", "local"), Y)
expect("mailer local but a bang path: still a relay attempt",
       try("203.0.113.9", "<example.net!user@example.com>", "local"), Y)
expect("mailer local but a quoted @: still a relay attempt",
       try("203.0.113.9", "<\"user@example.net\"@example.com>", "local"), Y)

-- no decision: on_error decides
expect("no {rcpt_mailer}: on_error = " .. on_error, try("203.0.113.9", "<user@example.com>", nil), NOPE)
expect("empty {rcpt_mailer}: on_error = " .. on_error, try("203.0.113.9", "<user@example.com>", ""), NOPE)
expect("unparseable recipient: on_error = " .. on_error, try("203.0.113.9", "<>", "local"), NOPE)
expect("unparseable recipient from an allowed client: on_error = " .. on_error,
       try("192.0.2.7", "<user@example.com", "local"), NOPE)

-- a message goes on after a failed recipient
local conn = connect("203.0.113.9")
mail(conn)
expect("after no decision: reply is " .. on_error, rcpt(conn, "<a@example.com>"), NOPE)
expect("after no decision: the next local recipient passes",
       rcpt(conn, "<b@example.com>", {"{rcpt_mailer}", "local"}), C)
ok("after no decision: end of message", mt.eom(conn) == nil and mt.getreply(conn) == C)
mt.disconnect(conn)

done()
