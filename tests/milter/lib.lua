-- SPDX-License-Identifier: BSD-2-Clause
-- tests/milter/lib.lua - what relaymilter's miltertest scripts share.
--
-- miltertest -D sets globals: sock (the milter socket, e.g.
-- inet:PORT@127.0.0.1 or unix:PATH) and whatever a script reads.
-- Results are lines "ok - NAME" / "not ok - NAME: detail" that
-- tests/milter/run.sh counts; done() exits 1 if any check failed.

npass, nfail = 0, 0

local names = {}
names[SMFIR_CONTINUE] = "continue"
names[SMFIR_REPLYCODE] = "replycode"
names[SMFIR_REJECT] = "reject"
names[SMFIR_TEMPFAIL] = "tempfail"
names[SMFIR_ACCEPT] = "accept"
names[SMFIR_DISCARD] = "discard"

function rname(r)
    return names[r] or tostring(r)
end

function ok(name, cond, detail)
    if cond then
        npass = npass + 1
        print("ok - " .. name)
    else
        nfail = nfail + 1
        print("not ok - " .. name .. (detail and (": " .. detail) or ""))
    end
end

-- expect NAME GOT WANT: a milter reply against the one wanted
function expect(name, got, want)
    ok(name, got == want, "want " .. rname(want) .. ", got " .. rname(got))
end

-- reply_of "continue" | "replycode" | ...: the SMFIR_ constant
function reply_of(word)
    for k, v in pairs(names) do
        if v == word then return k end
    end
    error("unknown reply word " .. tostring(word))
end

local function macros(conn, stage, list)
    if list ~= nil and #list > 0 then
        local e = mt.macro(conn, stage, table.unpack(list))
        if e ~= nil then error("mt.macro: " .. e) end
    end
end

-- connect IP [CONNECT-MACROS [HOSTNAME]]: a negotiated connection, connect
-- and HELO done.  IP "unspec" is a connection without an address (local
-- submission).  miltertest passes a client port (never 0), so a HOSTNAME
-- "localhost" with 127.0.0.1 here is an SMTP client, not Postfix's cleanup.
function connect(ip, list, hostname)
    local conn = mt.connect(sock, 50, 0.1)
    if conn == nil then error("cannot connect to " .. sock) end
    local e = mt.negotiate(conn, nil, nil, nil)
    if e ~= nil then error("mt.negotiate: " .. e) end
    macros(conn, SMFIC_CONNECT, list)
    e = mt.conninfo(conn, hostname or "client.example", ip)
    if e ~= nil then error("mt.conninfo: " .. e) end
    if mt.getreply(conn) ~= SMFIR_CONTINUE then
        error("connect from " .. ip .. " answered " .. rname(mt.getreply(conn)))
    end
    -- HELO before any MAIL macros: libmilter clears later stages' macros
    -- at each command.
    e = mt.helo(conn, "client.example")
    if e ~= nil then error("mt.helo: " .. e) end
    if mt.getreply(conn) ~= SMFIR_CONTINUE then
        error("HELO from " .. ip .. " answered " .. rname(mt.getreply(conn)))
    end
    return conn
end

-- mail CONN [MAIL-MACROS]: MAIL FROM; returns the reply
function mail(conn, list)
    macros(conn, SMFIC_MAIL, list)
    local e = mt.mailfrom(conn, "<sender@example.org>")
    if e ~= nil then error("mt.mailfrom: " .. e) end
    return mt.getreply(conn)
end

-- rcpt CONN TO [RCPT-MACROS]: RCPT TO; returns the reply
function rcpt(conn, to, list)
    macros(conn, SMFIC_RCPT, list)
    local e = mt.rcptto(conn, to)
    if e ~= nil then error("mt.rcptto: " .. e) end
    return mt.getreply(conn)
end

-- one IP TO [{connect=, mail=, rcpt=}]: a whole session, one recipient;
-- returns the reply to RCPT
function one(ip, to, o)
    o = o or {}
    local conn = connect(ip, o.connect)
    local r = mail(conn, o.mail)
    if r ~= SMFIR_CONTINUE then error("MAIL answered " .. rname(r)) end
    r = rcpt(conn, to, o.rcpt)
    mt.disconnect(conn)
    return r
end

function done()
    if nfail > 0 then os.exit(1) end
end
