// SPDX-License-Identifier: GPL-2.0-or-later
// The harness checks itself against a hand-written nft ruleset whose verdicts are known: for each
// hook (forward, input, output), family and protocol (TCP, UDP, ICMP echo) one packet that is
// accepted, one dropped and one rejected must be observed as such, and an established
// connection's return traffic must pass. Returns the number of failures.
#pragma once

namespace zpk {

int run_self_test(int wait_ms, bool verbose);

}  // namespace zpk
