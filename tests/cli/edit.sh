#!/bin/sh
# SPDX-License-Identifier: BSD-2-Clause
# edit.sh - relayctl list, add, del, reload, status, import-exchange and
# doctor: output, exit status, and the files they leave behind.
set -u
. "${top_srcdir:-$(cd "$(dirname "$0")/../.." && pwd)}/tests/cli/lib.sh"

c=relaymilter.conf
cp allow.list allow.orig

# same NAME A B - A and B are byte for byte the same
same() {
    if cmp -s "$2" "$3"; then pass "$1"; else echo "# $2 and $3 differ"; fail "$1"; fi
}

# list
t list-allow              -c $c list allow
t list-deny-json          -c $c --json list deny
t list-unknown            -c $c list everything
printf 'allow_list = nosuch.list\n' > nosuch.conf
t list-missing-file       -c nosuch.conf list allow

# add: covered, new, invalid, over the cap, group-writable
t add-covered             -c $c add allow 192.0.2.9
same add-covered-unchanged allow.list allow.orig
t add-new                 -c $c add allow 172.16.0.0/255.240.0.0 --comment "branch office"
tf add-new-file allow.list
same add-new-bak allow.list.bak allow.orig
t add-invalid             -c $c add allow 192.0.2.300
tf add-new-file-kept allow.list
t add-ipv6-canonical      -c $c add allow 2001:DB8:0:0::1
printf 'allow_list = bad.list\nrelay_flags = allow\n' > badlist.conf
cp bad.list bad.orig
t add-to-broken-list      -c badlist.conf add allow 192.0.2.1
same add-to-broken-list-unchanged bad.list bad.orig
printf 'allow_list = small.list\nrelay_flags = allow\nmax_entries = 2\n' > cap.conf
printf '192.0.2.1\n' > small.list
t add-under-cap           -c cap.conf add allow 192.0.2.2
t add-over-cap            -c cap.conf add allow 192.0.2.3
tf add-over-cap-file small.list
chmod g+w small.list
t add-group-writable      -c cap.conf add allow 192.0.2.9
chmod g-w small.list
t add-usage               -c $c add allow
t add-bad-kind            -c $c add everyone 192.0.2.1

# del: exact, another form of the same addresses, absent, still covered
t del-exact               -c $c del allow 203.0.113.10-203.0.113.20
t del-other-form          -c $c del allow 198.51.100.0/24
tf del-file allow.list
t del-absent              -c $c del allow 192.0.2.0/25
printf '192.0.2.0/24\n192.0.2.7   # printer\n' > cover.list
printf 'allow_list = cover.list\nrelay_flags = allow\n' > cover.conf
t del-still-covered       -c cover.conf del allow 192.0.2.7
printf '127.0.0.1\n127.0.0.32/31\n' > wider.list
cp wider.list wider.orig
printf 'allow_list = wider.list\nrelay_flags = allow\n' > wider.conf
t del-covered-by-wider    -c wider.conf del allow 127.0.0.33
same del-covered-by-wider-unchanged wider.list wider.orig

# add: what opens a list to everyone, or never matches, is refused
printf '192.0.2.1\n' > fg-allow.list
printf '10.0.0.25\n' > fg-local.list
printf '192.0.2.66\n' > fg-deny.list
cp fg-allow.list fg-allow.orig
cp fg-local.list fg-local.orig
printf 'relay_flags = deny, allow\nallow_list = fg-allow.list\nlocal_ip_list = fg-local.list\ndeny_list = fg-deny.list\n' > fg.conf
t add-open-v4             -c fg.conf add allow 0.0.0.0/0
t add-open-v4-range       -c fg.conf add allow 0.0.0.0-255.255.255.255
t add-open-v6             -c fg.conf add allow ::/0
t add-open-mapped         -c fg.conf add allow ::/80
t add-open-mapped-exch    -c fg.conf add allow '::;ffff::'
t add-open-mapped-95      -c fg.conf add allow ::fffe:0:0/95
t add-open-json           -c fg.conf --json add allow ::/8
same add-open-unchanged fg-allow.list fg-allow.orig
t add-open-local          -c fg.conf add local 0.0.0.0/0
same add-open-local-unchanged fg-local.list fg-local.orig
t add-dead                -c fg.conf add deny 192.0.2.0';'0.0.0.255
t add-wide-deny-ok        -c fg.conf add deny ::/8
t add-rule-off            -c fg.conf add local 10.0.0.26
t add-open-force          -c fg.conf add allow 0.0.0.0/0 --force
tf add-open-force-file fg-allow.list
printf '\357\273\277192.0.2.1\r\n# keep me\r\n192.0.2.2\r\n' > bom.list
printf 'allow_list = bom.list\nrelay_flags = allow\n' > bom.conf
t del-keeps-bom-crlf      -c bom.conf del allow 192.0.2.1
tf del-keeps-bom-crlf-file bom.list

# the daemon is not running here
t reload-no-daemon        -c $c reload
t status-no-daemon        -c $c status
t reload-usage            -c $c reload now

# import-exchange: exports built byte by byte, in both of Regedit's encodings
python3 - <<'PY'
def multi_sz(strings, wide):
    data = b""
    for s in strings:
        data += s.encode("utf-16-le" if wide else "ascii") + (b"\0\0" if wide else b"\0")
    data += b"\0\0" if wide else b"\0"
    hexes = ["%02x" % b for b in data]
    # Regedit wraps long values with ",\\" and two leading spaces
    lines, line = [], ""
    for i, h in enumerate(hexes):
        piece = h + ("," if i < len(hexes) - 1 else "")
        if len(line) + len(piece) > 76:
            lines.append(line + "\\")
            line = "  "
        line += piece
    lines.append(line)
    return "\r\n".join(lines)

def export(wide, allow, deny, local, flags, key="Parameters"):
    head = "Windows Registry Editor Version 5.00" if wide else "REGEDIT4"
    body = [head, "",
            "[HKEY_LOCAL_MACHINE\\SYSTEM\\CurrentControlSet\\Services\\MSExchangeIMC\\%s]" % key,
            '"RelayFlags"=dword:%08x' % flags,
            '"SomeOtherSetting"="kept out"']
    if allow is not None:
        body.append('"RelayAllowList"=hex(7):' + multi_sz(allow, wide))
    if deny is not None:
        body.append('"RelayDenyList"=hex(7):' + multi_sz(deny, wide))
    if local is not None:
        body.append('"RelayLocalIPList"=hex(7):' + multi_sz(local, wide))
    text = "\r\n".join(body) + "\r\n"
    return b"\xff\xfe" + text.encode("utf-16-le") if wide else text.encode("ascii")

allow = ["192.168.0.0;255.255.0.0", "10.1.2.3", "172.16.5.0;255.255.255.0", "10.0.255.0;255.0.255.0",
         "192.168.77.1;255.255.255.0"]
open("ims4.reg", "wb").write(export(False, allow, ["192.168.5.0;255.255.255.0"], None, 3))
open("ims5.reg", "wb").write(export(True, allow, ["192.168.5.0;255.255.255.0"], ["10.9.9.9"], 7))
open("imsbad.reg", "wb").write(export(False, ["192.168.0.0;255.255.0.0", "192.168.300.1"], None, None, 2))
open("imsnokey.reg", "wb").write(export(False, allow, None, None, 2, key="Other"))
open("notreg.reg", "wb").write(b"hello\n")
PY
mkdir ex4 ex5 exbad exdry
filt="s|$work|WORK|g" t import-regedit4 -c $c import-exchange ims4.reg --dir ex4
sed -i 's/ on [0-9-]*$/ on DATE/' ex4/*.list
tf import-regedit4-allow ex4/allow.list
tf import-regedit4-deny ex4/deny.list
filt="s|$work|WORK|g" t import-regedit5 -c $c import-exchange ims5.reg --dir ex5
sed -i 's/ on [0-9-]*$/ on DATE/' ex5/*.list
tf import-regedit5-allow ex5/allow.list
tf import-regedit5-local ex5/local-ip.list
# what import prints pastes into relaymilter.conf as it is
{ printf 'milter_socket = inet:1@127.0.0.1\n'; sed "s|WORK|$work|g" "$golden/import-regedit5.out"; } > paste.conf
if "$builddir/milter/relaymilter" -n -c paste.conf >paste.log 2>&1; then
    pass import-output-pastes-into-the-configuration
else
    sed 's/^/#   /' paste.log
    fail import-output-pastes-into-the-configuration
fi
# an existing list is replaced only with --force, and what it held is said
cp ex4/allow.list ex4-allow.before
filt="s|$work|WORK|g" t import-refuses-replace -c $c import-exchange ims5.reg --dir ex4
same import-refuses-replace-unchanged ex4/allow.list ex4-allow.before
filt="s|$work|WORK|g" t import-dry-run -c $c import-exchange ims5.reg --dir exdry --dry-run
if [ -z "$(ls exdry)" ]; then pass import-dry-run-writes-nothing; else fail import-dry-run-writes-nothing; fi
filt="s|$work|WORK|g" t import-force -c $c import-exchange ims5.reg --dir ex4 --force
same import-force-keeps-bak ex4/allow.list.bak ex4-allow.before
t import-bad-entry        -c $c import-exchange imsbad.reg --dir exbad
if [ -z "$(ls exbad)" ]; then pass import-bad-entry-writes-nothing; else fail import-bad-entry-writes-nothing; fi
t import-no-key           -c $c import-exchange imsnokey.reg --dir exbad
t import-not-reg          -c $c import-exchange notreg.reg --dir exbad
t import-usage            -c $c import-exchange

# doctor, against private Postfix configurations (postconf -c DIR)
if command -v postconf >/dev/null 2>&1 || [ -x /usr/sbin/postconf ]; then
    PATH=$PATH:/usr/sbin
    port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
    python3 -c '
import socket, sys, time
s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("127.0.0.1", int(sys.argv[1]))); s.listen(8)
s.settimeout(1)
end = time.time() + 600
while time.time() < end:
    try: s.accept()[0].close()
    except OSError: pass
' "$port" &
    listener=$!
    # doctor checks that something answers there: wait until it does, so
    # that a slow start of the listener on a loaded machine is not taken
    # for a daemon that is down (it is killed at the end)
    for _ in $(seq 1 300); do
        python3 -c 'import socket, sys; socket.create_connection(("127.0.0.1", int(sys.argv[1])), 1)' "$port" 2>/dev/null && break
        sleep 0.1
    done
    mkdir good bad
    cat > good/main.cf <<EOC
compatibility_level = 3.6
smtpd_milters = inet:127.0.0.1:$port
milter_default_action = tempfail
mynetworks = 0.0.0.0/0 [::]/0
smtpd_relay_restrictions = permit_mynetworks, reject_unauth_destination
mydestination = local.test
myhostname = mx.local.test
EOC
    cat > bad/main.cf <<EOC
compatibility_level = 3.6
milter_default_action = accept
smtpd_relay_restrictions = reject_unauth_destination
mydestination = local.test, other.test
relay_domains = relayed.test
myhostname = mx.local.test
EOC
    printf 'smtp      inet  n       -       n       -       -       smtpd\npickup    unix  n       -       n       60      1       pickup\n' > good/master.cf
    # master.cf overrides: a listener that drops the milter, one that
    # changes it, one that changes the relay restrictions, one that is fine
    mkdir master
    cp good/main.cf master/main.cf
    cat > master/master.cf <<'EOC'
smtp      inet  n       -       n       -       -       smtpd
  -o smtpd_milters=
2525      inet  n       -       n       -       -       smtpd
  -o {smtpd_milters = inet:127.0.0.1:1}
submission inet n       -       n       -       -       smtpd
  -o smtpd_relay_restrictions=permit_sasl_authenticated,reject
  -o syslog_name=postfix/submission
127.0.0.1:10025 inet n  -       n       -       -       smtpd
  -o syslog_name=postfix/inner
pickup    unix  n       -       n       60      1       pickup
EOC
    # mynetworks against the allow list: each side holds one the other lacks
    mkdir nets
    cp good/master.cf nets/master.cf
    sed 's|^mynetworks = .*|mynetworks = 127.0.0.0/8 [::1]/128 10.0.0.0/8 hash:/etc/postfix/network_table|' good/main.cf > nets/main.cf
    printf '10.1.0.0/16\n192.168.1.0/24\n' > doctor-allow.list
    printf 'milter_socket = inet:%s@127.0.0.1\nlocal_domains = local.test\nrelay_flags = allow\nallow_list = doctor-allow.list\n' "$port" > doctor.conf
    filt='s/Postfix [0-9][0-9.]*/Postfix VERSION/; s/:[0-9]\{4,5\}/:PORT/g'
    t doctor-good -c doctor.conf doctor --postfix-config good
    filt='s/Postfix [0-9][0-9.]*/Postfix VERSION/; s/:[0-9]\{4,5\}/:PORT/g'
    t doctor-bad -c doctor.conf doctor --postfix-config bad
    filt='s/Postfix [0-9][0-9.]*/Postfix VERSION/; s/:[0-9]\{4,5\}/:PORT/g'
    t doctor-master -c doctor.conf doctor --postfix-config master
    # every fix line targets the instance examined, and fixes it
    sed -n 's/^ *fix: \(postconf -c master -P -X .*\) && postfix -c master reload$/\1/p' doctor-master.out > fixes.sh
    if [ "$(wc -l < fixes.sh)" -eq 3 ] && ! grep -q 'postconf -e\|postconf -P' fixes.sh && sh fixes.sh \
        && "$relayctl" -c doctor.conf doctor --postfix-config master | grep -q '^ok       master.cf: no smtpd listener'; then
        pass doctor-master-fixes-apply-to-that-instance
    else
        sed 's/^/#   /' fixes.sh
        fail doctor-master-fixes-apply-to-that-instance
    fi
    filt='s/Postfix [0-9][0-9.]*/Postfix VERSION/; s/:[0-9]\{4,5\}/:PORT/g'
    t doctor-networks -c doctor.conf doctor --postfix-config nets
    filt='s/Postfix [0-9][0-9.]*/Postfix VERSION/; s/:[0-9]\{4,5\}/:PORT/g'
    t doctor-json -c doctor.conf --json doctor --postfix-config master
    if python3 -m json.tool doctor-json.out >/dev/null 2>&1; then pass doctor-json-parses; else fail doctor-json-parses; fi
    t doctor-usage -c doctor.conf doctor --frob
    # the policy-service deployment: the milter off, Postfix's gate shut and
    # its relay restrictions asking relaymilter first
    mkdir policy-good policy-bad
    cat > policy-good/main.cf <<EOC
compatibility_level = 3.6
mynetworks = 127.0.0.0/8 [::1]/128
smtpd_relay_restrictions = check_policy_service inet:127.0.0.1:$port, reject_unauth_destination
smtpd_policy_service_default_action = defer_unauth_destination
mydestination = local.test
myhostname = mx.local.test
EOC
    cp good/master.cf policy-good/master.cf
    # mynetworks opened to everyone and granted before the service is asked,
    # nothing refusing relaying after it, and a default action that relays
    cat > policy-bad/main.cf <<EOC
compatibility_level = 3.6
mynetworks = 0.0.0.0/0 [::]/0
smtpd_relay_restrictions = permit_mynetworks, check_policy_service inet:127.0.0.1:$port
smtpd_policy_service_default_action = DUNNO
mydestination = local.test
myhostname = mx.local.test
EOC
    cp good/master.cf policy-bad/master.cf
    printf 'milter_socket =\npolicy_socket = inet:%s@127.0.0.1\nlocal_domains = local.test\nrelay_flags = allow\nallow_list = doctor-allow.list\n' "$port" > doctor-policy.conf
    filt='s/Postfix [0-9][0-9.]*/Postfix VERSION/; s/:[0-9]\{4,5\}/:PORT/g'
    t doctor-policy-good -c doctor-policy.conf doctor --postfix-config policy-good
    filt='s/Postfix [0-9][0-9.]*/Postfix VERSION/; s/:[0-9]\{4,5\}/:PORT/g'
    t doctor-policy-bad -c doctor-policy.conf doctor --postfix-config policy-bad
    # a policy service nothing listens on, and the fix lines applied fix it
    sed 's/check_policy_service inet:127.0.0.1:[0-9]*/check_policy_service inet:127.0.0.1:1/' \
        policy-good/main.cf > policy-good/main.cf.new && mv policy-good/main.cf.new policy-good/main.cf
    "$relayctl" -c doctor-policy.conf doctor --postfix-config policy-bad |
        sed -n 's/^ *fix: \(postconf -c policy-bad .*\) && postfix -c policy-bad reload$/\1/p' > pfixes.sh
    if [ -s pfixes.sh ] && sh pfixes.sh && "$relayctl" -c doctor-policy.conf doctor --postfix-config policy-bad \
        | grep -q '^ok       policy_service: smtpd_relay_restrictions asks relaymilter first'; then
        pass doctor-policy-fixes-apply-to-that-instance
    else
        sed 's/^/#   /' pfixes.sh
        fail doctor-policy-fixes-apply-to-that-instance
    fi
    if "$relayctl" -c doctor-policy.conf doctor --postfix-config policy-good | grep -q '^problem  policy_service: smtpd_relay_restrictions (.*) does not ask'; then
        pass doctor-policy-other-socket-is-not-ours
    else
        fail doctor-policy-other-socket-is-not-ours
    fi
    kill "$listener" 2>/dev/null
    wait "$listener" 2>/dev/null
else
    fail "doctor: postconf is not installed (apt-get install postfix)"
fi

finish
