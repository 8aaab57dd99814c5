-- SPDX-License-Identifier: BSD-2-Clause
-- tests/milter/rcpt.lua - one session, one recipient, one expected reply.
--
-- miltertest -D globals: sock, lib (path of lib.lua), name (the test's
-- name), ip (client address or "unspec"), to (the RCPT argument), want
-- (continue or replycode); optional daemon_addr, if_addr, auth (the
-- {auth_authen} value), mailer (the {rcpt_mailer} value).
dofile(lib)

local cm, mm, rm = {}, {}, {}
if daemon_addr ~= nil then table.insert(cm, "{daemon_addr}"); table.insert(cm, daemon_addr) end
if if_addr ~= nil then table.insert(cm, "{if_addr}"); table.insert(cm, if_addr) end
if auth ~= nil then table.insert(mm, "{auth_authen}"); table.insert(mm, auth) end
if mailer ~= nil then table.insert(rm, "{rcpt_mailer}"); table.insert(rm, mailer) end
table.insert(mm, "i"); table.insert(mm, "QID1")

expect(name, one(ip, to, {connect = cm, mail = mm, rcpt = rm}), reply_of(want))
done()
