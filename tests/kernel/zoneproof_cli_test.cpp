// SPDX-License-Identifier: GPL-2.0-or-later
#include "tests/kernel/zoneproof_cli.h"

#include <gtest/gtest.h>

namespace zpk {
namespace {

// explain's text output for four packet lines (abridged from real runs): an answer through an
// opaque match, one without, a port forward (its "arrives on" line comes first, its own note in
// the translation's trace), and one whose second step carries the note.
const char* kText =
    "udp 198.51.99.255:32994 -> 192.0.2.10:22 iif eth0 hook input on web-01: accept\n"
    "  inet filter input rule 3: meta iif lo accept comment \"zp:3\"   <- inet filter input handle 8 at r.json"
    "   [not modelled, assumed to hold: meta iif lo]\n"
    "  ip6 extra input rule 1: meta nfproto ipv4 accept comment \"zp:13\"   <- family ip6 at r.json\n"
    "tcp 192.0.2.10:5 -> 1.2.3.4:80 oif eth0 hook output on web-01: accept\n"
    "  inet filter output (end of chain): policy accept\n"
    "tcp 174.76.172.177:32785 -> 203.0.113.10:443 iif eth0 hook prerouting arrives on edge: destination becomes "
    "10.0.2.10 port 8443\n"
    "  nat pre rule 1: fib daddr type local dnat ip to 10.0.2.10:8443   [not modelled, assumed to hold: fib daddr "
    "type local]\n"
    "tcp 174.76.172.177:32785 -> 10.0.2.10:8443 iif eth0 oif eth2 hook forward on edge: accept\n"
    "  fwd rule 9: ip saddr vmap @src4   [verdict map element 3]\n"
    "udp 172.17.0.2:53 -> 203.0.113.255:34310 iif docker0 oif eth0 hook forward on docker-host: accept\n"
    "  ip filter FORWARD rule 2: counter jump ip filter DOCKER-USER\n"
    "  ip filter FORWARD rule 8: meta oifname \"docker0\" xt match conntrack counter accept"
    "   [not modelled, assumed to hold: xt match conntrack]\n"
    "  then at postrouting: source becomes the address of eth0 (masquerade)\n"
    "    nat post rule 1: masquerade\n";

TEST(ExplainText, OneNotePerAnswer) {
  auto notes = unmodelled_notes_of_text(kText);
  ASSERT_EQ(notes.size(), 4u);
  EXPECT_EQ(notes[0], "not modelled, assumed to hold: meta iif lo");
  EXPECT_EQ(notes[1], "");
  EXPECT_EQ(notes[2], "not modelled, assumed to hold: fib daddr type local");
  EXPECT_EQ(notes[3], "not modelled, assumed to hold: xt match conntrack");
}

TEST(ExplainText, EmptyOutputHasNoAnswers) { EXPECT_TRUE(unmodelled_notes_of_text("").empty()); }

}  // namespace
}  // namespace zpk
