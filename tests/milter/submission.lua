-- SPDX-License-Identifier: BSD-2-Clause
-- tests/milter/submission.lua - no client can pose as a local submission:
-- the name Postfix's cleanup gives non-SMTP mail ("localhost", 127.0.0.1)
-- with a real client port is an SMTP client like any other.
--
-- run.sh starts the daemon with relay_flags = allow, local_domains =
-- example.com, allow.list 192.0.2.0/24, local_submission = allow.
-- miltertest -D globals: sock, lib.
dofile(lib)

local C, Y = SMFIR_CONTINUE, SMFIR_REPLYCODE
local RELAY = "<x@example.net>"

-- pickup: one message through cleanup, recipients as given; returns the
-- replies to each RCPT and to the end of the message
local function pickup(host, ip, rcpts)
    local conn = connect(ip, {"{daemon_addr}", "127.0.0.1"}, host)
    local r = mail(conn, {"i", "4B1C2A7F01"})
    if r ~= C then error("MAIL answered " .. rname(r)) end
    local got = {}
    for _, to in ipairs(rcpts) do got[#got + 1] = rcpt(conn, to) end
    local e = mt.eom(conn)
    if e ~= nil then error("mt.eom: " .. e) end
    got[#got + 1] = mt.getreply(conn)
    mt.disconnect(conn)
    return got
end

-- miltertest always passes a client port (not 0): so every connection here
-- is an SMTP client, whatever name it comes with.  The real non-SMTP
-- connection (port 0) is tested against Postfix's cleanup in
-- tests/e2e/submission.sh.
local g = pickup("localhost", "127.0.0.1", {RELAY})
expect("localhost[127.0.0.1] with a client port is an SMTP client: judged by the policy", g[1], Y)
expect("... and its message is not rejected at the end", g[2], C)
g = pickup("localhost", "::1", {RELAY})
expect("localhost[::1] with a client port: judged by the policy", g[1], Y)
g = pickup("[127.0.0.1]", "127.0.0.1", {RELAY})
expect("[127.0.0.1]: judged by the policy", g[1], Y)
local conn = connect("unspec", {"{daemon_addr}", "127.0.0.1"}, "localhost")
mail(conn)
expect("no address at all (sendmail -bs): a local submission, allowed", rcpt(conn, RELAY), C)
mt.disconnect(conn)
done()
