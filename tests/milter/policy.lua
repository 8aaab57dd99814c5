-- SPDX-License-Identifier: BSD-2-Clause
-- tests/milter/policy.lua - every callback path of relaymilter's policy.
--
-- run.sh starts the daemon with relay_flags = deny, allow, local, auth,
-- local_domains = example.com, [192.0.2.1], and the lists
--   allow.list     192.0.2.0/24, 2001:db8:a::/48
--   deny.list      192.0.2.66, 2001:db8:a::66
--   local-ip.list  10.0.0.25, 2001:db8:f::25
-- miltertest -D globals: sock, lib.
dofile(lib)

local C, Y = SMFIR_CONTINUE, SMFIR_REPLYCODE
local SERVER = {"{daemon_addr}", "10.0.0.1"}   -- a server address not on local-ip.list
local RELAY = "<x@example.net>"

-- negotiation: only the steps relaymilter needs, and its own macro lists
local conn = mt.connect(sock, 50, 0.1)
if conn == nil then error("cannot connect to " .. sock) end
ok("negotiate succeeds", mt.negotiate(conn, nil, nil, nil) == nil)
ok("negotiate: HELO is kept (its name goes into the decision log)", not mt.test_option(conn, SMFIP_NOHELO))
ok("negotiate: no headers", mt.test_option(conn, SMFIP_NOHDRS))
ok("negotiate: no end of headers", mt.test_option(conn, SMFIP_NOEOH))
ok("negotiate: no body", mt.test_option(conn, SMFIP_NOBODY))
-- DATA stays on: Postfix sends its macros anyway, and an unanswered write
-- there costs every message a delayed ACK (see milter/callbacks.c).
ok("negotiate: DATA is kept (answered, so end of message is not held up)", not mt.test_option(conn, SMFIP_NODATA))
ok("negotiate: no unknown commands", mt.test_option(conn, SMFIP_NOUNKNOWN))
ok("negotiate: connect is kept", not mt.test_option(conn, SMFIP_NOCONNECT))
ok("negotiate: MAIL is kept", not mt.test_option(conn, SMFIP_NOMAIL))
ok("negotiate: RCPT is kept", not mt.test_option(conn, SMFIP_NORCPT))
ok("negotiate: asks for its macros (SMFIF_SETSYMLIST)", mt.test_action(conn, SMFIF_SETSYMLIST))
ok("negotiate: asks to change nothing in messages", not mt.test_action(conn, SMFIF_ADDHDRS)
   and not mt.test_action(conn, SMFIF_CHGBODY) and not mt.test_action(conn, SMFIF_ADDRCPT)
   and not mt.test_action(conn, SMFIF_DELRCPT) and not mt.test_action(conn, SMFIF_CHGHDRS))
mt.disconnect(conn)

-- the six rules
expect("allow list: 192.0.2.7 relays", one("192.0.2.7", RELAY, {connect = SERVER}), C)
expect("deny list: 192.0.2.66 may not relay (deny beats allow)", one("192.0.2.66", RELAY, {connect = SERVER}), Y)
expect("deny list beats auth", one("192.0.2.66", RELAY, {connect = SERVER, mail = {"{auth_authen}", "alice"}}), Y)
expect("deny list beats the local interface",
       one("192.0.2.66", RELAY, {connect = {"{daemon_addr}", "10.0.0.25"}}), Y)
expect("local interface by {daemon_addr}: 203.0.113.9 relays",
       one("203.0.113.9", RELAY, {connect = {"{daemon_addr}", "10.0.0.25"}}), C)
expect("local interface by {if_addr} when {daemon_addr} is missing",
       one("203.0.113.9", RELAY, {connect = {"{if_addr}", "10.0.0.25"}}), C)
expect("local interface by {if_addr} when {daemon_addr} is empty",
       one("203.0.113.9", RELAY, {connect = {"{daemon_addr}", "", "{if_addr}", "10.0.0.25"}}), C)
expect("{daemon_addr} wins over {if_addr}",
       one("203.0.113.9", RELAY, {connect = {"{daemon_addr}", "10.0.0.1", "{if_addr}", "10.0.0.25"}}), Y)
expect("local interface by an IPv6 {daemon_addr}",
       one("203.0.113.9", RELAY, {connect = {"{daemon_addr}", "2001:db8:f::25"}}), C)
expect("local interface by Sendmail's IPv6:... form",
       one("203.0.113.9", RELAY, {connect = {"{daemon_addr}", "IPv6:2001:db8:f::25"}}), C)
expect("local interface by a bracketed literal",
       one("203.0.113.9", RELAY, {connect = {"{daemon_addr}", "[10.0.0.25]"}}), C)
-- Sendmail listening on every address sends {daemon_addr} 0.0.0.0: that
-- says nothing about the address the client reached; {if_addr} does.
expect("wildcard {daemon_addr} 0.0.0.0: the local rule uses {if_addr}",
       one("203.0.113.9", RELAY, {connect = {"{daemon_addr}", "0.0.0.0", "{if_addr}", "10.0.0.25"}}), C)
expect("wildcard {daemon_addr} 0.0.0.0 is never matched against local-ip.list",
       one("203.0.113.9", RELAY, {connect = {"{daemon_addr}", "0.0.0.0", "{if_addr}", "10.0.0.1"}}), Y)
expect("wildcard {daemon_addr} and no {if_addr}: an authenticated client still relays",
       one("203.0.113.9", RELAY, {connect = {"{daemon_addr}", "0.0.0.0"},
                                  mail = {"{auth_authen}", "alice"}}), C)
expect("auth: {auth_authen} set, 203.0.113.9 relays",
       one("203.0.113.9", RELAY, {connect = SERVER, mail = {"{auth_authen}", "alice", "{auth_type}", "PLAIN"}}), C)
expect("auth: an empty {auth_authen} is no authentication",
       one("203.0.113.9", RELAY, {connect = SERVER, mail = {"{auth_authen}", ""}}), Y)
expect("default deny: 203.0.113.9 may not relay", one("203.0.113.9", RELAY, {connect = SERVER}), Y)

-- auth belongs to one message; a new MAIL starts over
conn = connect("203.0.113.9", SERVER)
expect("auth per MAIL: first MAIL (authenticated) continues", mail(conn, {"{auth_authen}", "alice"}), C)
expect("auth per MAIL: its relay recipient passes", rcpt(conn, RELAY), C)
expect("auth per MAIL: end of message continues", mt.eom(conn) == nil and mt.getreply(conn), C)
expect("auth per MAIL: second MAIL (no auth) continues", mail(conn, {"i", "QID2"}), C)
expect("auth per MAIL: its relay recipient is rejected", rcpt(conn, RELAY), Y)
mt.disconnect(conn)

-- abort ends the message, and its state
conn = connect("203.0.113.9", SERVER)
mail(conn, {"{auth_authen}", "alice"})
expect("abort: authenticated message relays", rcpt(conn, RELAY), C)
ok("abort: mt.abort succeeds", mt.abort(conn) == nil)
mail(conn, {"i", "QID3"})
expect("abort: the next message is not authenticated", rcpt(conn, RELAY), Y)
mt.disconnect(conn)

-- one message, mixed recipients: each is decided on its own
conn = connect("203.0.113.9", SERVER)
mail(conn)
expect("mixed: local recipient passes", rcpt(conn, "<alice@example.com>"), C)
expect("mixed: relay recipient is rejected", rcpt(conn, "<bob@example.net>"), Y)
expect("mixed: another local recipient still passes", rcpt(conn, "<carol@EXAMPLE.COM>"), C)
expect("mixed: another relay recipient is rejected", rcpt(conn, "<dave@example.org>"), Y)
expect("mixed: address literal of this host, listed, passes", rcpt(conn, "<eve@[192.0.2.1]>"), C)
ok("mixed: end of message", mt.eom(conn) == nil)
expect("mixed: end of message continues", mt.getreply(conn), C)
mt.disconnect(conn)

-- IPv6 clients, and IPv4-mapped ones
expect("IPv6: 2001:db8:a::7 on the allow list relays", one("2001:db8:a::7", RELAY, {connect = SERVER}), C)
expect("IPv6: 2001:db8:a::66 on the deny list may not relay", one("2001:db8:a::66", RELAY, {connect = SERVER}), Y)
expect("IPv6: 2001:db8:b::1 unlisted may not relay", one("2001:db8:b::1", RELAY, {connect = SERVER}), Y)
expect("IPv6: ::ffff:192.0.2.7 matches the IPv4 allow entry", one("::ffff:192.0.2.7", RELAY, {connect = SERVER}), C)
expect("IPv6: ::ffff:192.0.2.66 matches the IPv4 deny entry", one("::ffff:192.0.2.66", RELAY, {connect = SERVER}), Y)
expect("IPv6: local recipient from an unlisted IPv6 client passes",
       one("2001:db8:b::1", "<user@example.com>", {connect = SERVER}), C)

-- local submission: no client address (local_submission = allow)
expect("local submission (no address) relays", one("unspec", RELAY), C)
expect("local submission to a local recipient passes", one("unspec", "<user@example.com>"), C)

-- missing macros: the local-IP rule can not be asked
expect("no {daemon_addr}, no {if_addr}: allow list still decides", one("192.0.2.7", RELAY), C)
expect("no {daemon_addr}, no {if_addr}: deny list still decides", one("192.0.2.66", RELAY), Y)
expect("no {daemon_addr}, no {if_addr}: otherwise no decision (on_error = tempfail)",
       one("203.0.113.9", RELAY), Y)
expect("unparseable {daemon_addr}: no decision (on_error = tempfail)",
       one("203.0.113.10", RELAY, {connect = {"{daemon_addr}", "not-an-address"}}), Y)
expect("no server address, local recipient: passes", one("203.0.113.9", "<user@example.com>"), C)

-- relay tricks from a client that may not relay
local tricks = {
    {"percent hack", "<user%example.net@example.com>"},
    {"percent hack, quoted", "<\"user%example.net\"@example.com>"},
    {"bang path", "<example.net!user@example.com>"},
    {"double @", "<user@example.net@example.com>"},
    {"quoted @", "<\"user@example.net\"@example.com>"},
    {"escaped @", "<user\\@example.net@example.com>"},
    {"literal of this host, unlisted", "<user@[127.0.0.1]>"},
    {"IPv6 literal, unlisted", "<user@[IPv6:::1]>"},
    {"source route to a remote domain", "<@example.com:user@example.net>"},
    {"null recipient", "<>"},
    {"unbalanced bracket", "<user@example.com"},
    {"bad domain", "<user@example..com>"},
    {"no domain", "<user>"},
}
for _, t in ipairs(tricks) do
    expect("trick from 203.0.113.9 is refused: " .. t[1] .. " " .. t[2],
           one("203.0.113.9", t[2], {connect = SERVER}), Y)
end
expect("trick from an allowed client passes (it may relay anyway)",
       one("192.0.2.7", "<user%example.net@example.com>", {connect = SERVER}), C)

-- local forms that must stay local
local locals = {
    "<user@example.com>",
    "user@example.com",
    "<USER@EXAMPLE.COM.>",
    "<@relay.example.net:user@example.com>",
    "<@a.example,@b.example:user@example.com>",
    "<\"john doe\"@example.com>",
    "<postmaster>",
}
for _, to in ipairs(locals) do
    expect("local recipient from 203.0.113.9 passes: " .. to, one("203.0.113.9", to, {connect = SERVER}), C)
end

done()
