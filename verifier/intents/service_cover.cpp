// SPDX-License-Identifier: GPL-2.0-or-later
// Service boxes and their difference. Each service entry is a union of boxes over five
// dimensions (one box per destination port range); `own` is covered when subtracting every box
// of `others` from its boxes leaves nothing.
#include "verifier/intents/service_cover.h"

#include <array>
#include <cstdint>

namespace zp::verifier {
namespace {

// IPv6 or not, protocol, destination port, ICMP type, ICMP code: what PolicyEncoder's
// service_matches reads (verifier/encode/policy.cpp), in the same order.
constexpr size_t kDims = 5;
struct Span {
  uint32_t lo, hi;
};
using ServiceBox = std::array<Span, kDims>;

// Beyond this many pieces the subtraction is left to Z3 (each piece is a few bytes; the bound
// keeps a pathological rule from costing more than the query it saves).
constexpr size_t kMaxPieces = 4096;
// Uncovered points returned: enough for a concrete packet in each family, usually.
constexpr size_t kSamples = 4;

void add_boxes(const policy::ServiceEntry& e, std::vector<ServiceBox>& out) {
  const Span v6 = e.family == 4 ? Span{0, 0} : e.family == 6 ? Span{1, 1} : Span{0, 1};
  const Span proto = e.proto ? Span{*e.proto, *e.proto} : Span{0, 255};
  const Span type = e.icmp_type ? Span{*e.icmp_type, *e.icmp_type} : Span{0, 255};
  const Span code = e.icmp_code ? Span{*e.icmp_code, *e.icmp_code} : Span{0, 255};
  if (e.ports.empty()) {
    out.push_back({v6, proto, Span{0, 65535}, type, code});
    return;
  }
  for (const Range& r : e.ports)
    out.push_back({v6, proto, Span{static_cast<uint32_t>(r.lo), static_cast<uint32_t>(r.hi)}, type, code});
}

bool disjoint(const ServiceBox& a, const ServiceBox& b) {
  for (size_t d = 0; d < kDims; ++d)
    if (a[d].hi < b[d].lo || b[d].hi < a[d].lo) return true;
  return false;
}

// a \ b as disjoint boxes appended to `out`: slice off, dimension by dimension, what lies
// below and above b; what is left of a after the last dimension lies inside b.
void subtract(ServiceBox a, const ServiceBox& b, std::vector<ServiceBox>& out) {
  if (disjoint(a, b)) {
    out.push_back(a);
    return;
  }
  for (size_t d = 0; d < kDims; ++d) {
    if (a[d].lo < b[d].lo) {
      ServiceBox below = a;
      below[d].hi = b[d].lo - 1;
      out.push_back(below);
      a[d].lo = b[d].lo;
    }
    if (a[d].hi > b[d].hi) {
      ServiceBox above = a;
      above[d].lo = b[d].hi + 1;
      out.push_back(above);
      a[d].hi = b[d].hi;
    }
  }
}

}  // namespace

ServiceCover service_cover(const std::vector<policy::ServiceRef>& own,
                           const std::vector<const std::vector<policy::ServiceRef>*>& others) {
  std::vector<ServiceBox> left, next, cover;
  for (const auto& ref : own)
    for (const auto& e : ref.entries) add_boxes(e, left);
  // The others' boxes as they come: a rule is mostly covered (or not) by its first rivals.
  for (const auto* list : others) {
    if (left.empty()) break;
    for (const auto& ref : *list)
      for (const auto& e : ref.entries) {
        cover.clear();
        add_boxes(e, cover);
        for (const ServiceBox& b : cover) {
          next.clear();
          for (const ServiceBox& a : left) subtract(a, b, next);
          if (next.size() > kMaxPieces) return {};
          left.swap(next);
        }
      }
  }
  ServiceCover out;
  out.covered = left.empty();
  for (const ServiceBox& a : left) {
    if (out.uncovered.size() >= kSamples) break;
    for (uint32_t v6 = a[0].lo; v6 <= a[0].hi; ++v6)
      out.uncovered.push_back({v6 ? 6 : 4, static_cast<uint8_t>(a[1].lo), static_cast<uint16_t>(a[2].lo),
                               static_cast<uint8_t>(a[3].lo), static_cast<uint8_t>(a[4].lo)});
  }
  return out;
}

}  // namespace zp::verifier
