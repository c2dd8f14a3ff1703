// SPDX-License-Identifier: GPL-2.0-or-later
// Whether every packet a list of policy services matches is matched by another list: the
// question the shadowed-rule check asks of a rule and its rivals in one cell, answered on the
// services alone, without a solver.
#pragma once

#include <cstdint>
#include <vector>

#include "compiler/policy.h"

namespace zp::verifier {

// The fields of a packet a service reads.
struct ServicePoint {
  int family = 4;
  uint8_t proto = 0;
  uint16_t dport = 0;
  uint8_t icmp_type = 0, icmp_code = 0;
};

struct ServiceCover {
  // Every packet matching some entry of `own` matches some entry of one of `others`.
  bool covered = false;
  // When not covered: a few packets of `own` that none of `others` matches, if the question
  // stayed small (a lowest corner of each piece left, first pieces first).
  std::vector<ServicePoint> uncovered;
};

// The packet fields a service reads (family, protocol, destination port, ICMP type and code)
// are taken as independent, so `covered` is exact for those fields and sound for real packets,
// whose fields are tied (a superset covered is a subset covered); an uncovered point need not
// be a packet that can exist (a destination port on ICMP), so callers check it whole. Not
// covered also when the question grows too large to answer here: the caller then asks Z3.
ServiceCover service_cover(const std::vector<policy::ServiceRef>& own,
                           const std::vector<const std::vector<policy::ServiceRef>*>& others);

}  // namespace zp::verifier
