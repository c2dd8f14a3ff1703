// SPDX-License-Identifier: GPL-2.0-or-later
// Shared by the review tests: loading fixture policies, compiling them as `verify` does, and
// sampling concrete packets for the diff and matrix property tests.
#pragma once

#include <gtest/gtest.h>

#include <cctype>
#include <random>
#include <string>
#include <vector>

#include "compiler/compiler.h"
#include "compiler/verdict_order.h"
#include "ir/evaluate.h"
#include "pipeline/verify_pipeline.h"
#include "verifier/regions/diff.h"

namespace zp::review {

inline std::string source_path(const std::string& relative) { return std::string(ZP_SOURCE_DIR) + "/" + relative; }

inline policy::Policy load(const std::string& relative) {
  Diagnostics d;
  auto p = load_policy(source_path(relative), d);
  if (!p) throw std::runtime_error("fixture does not load: " + relative + "\n" + render_all(d));
  return *p;
}

// Every target's ruleset, lowered, written as nft JSON and read back (as verify and diff do).
inline std::vector<ir::Ruleset> compile(const policy::Policy& p) {
  std::vector<size_t> all;
  for (size_t i = 0; i < p.targets.size(); ++i) all.push_back(i);
  std::string error;
  auto rs = pipeline::rulesets_for_verify(p, all, error);
  if (!rs) throw std::runtime_error(error);
  return *rs;
}

// The interpreter's outcome as the code a decision list gives it (policy::kOutAccept, ...).
inline uint8_t out_of(ir::Outcome o) {
  return o == ir::Outcome::Accept ? policy::kOutAccept : o == ir::Outcome::Reject ? policy::kOutReject : policy::kOutDrop;
}

inline verifier::Verdict verdict_of(ir::Outcome o) {
  return o == ir::Outcome::Accept ? verifier::Verdict::Accept
         : o == ir::Outcome::Reject ? verifier::Verdict::Reject
                                    : verifier::Verdict::Drop;
}

// A test name from a policy file's path: its file name, letters and digits only.
inline std::string policy_file_test_name(const ::testing::TestParamInfo<std::string>& i) {
  std::string n = i.param.substr(i.param.rfind('/') + 1);
  for (char& ch : n)
    if (!std::isalnum(static_cast<unsigned char>(ch))) ch = '_';
  return n;
}

inline const ir::Ruleset& ruleset_of(const std::vector<ir::Ruleset>& rss, const std::string& target) {
  for (const auto& r : rss)
    if (r.target == target) return r;
  throw std::runtime_error("no ruleset for " + target);
}

// The interface names the policy and its rulesets mention (the sampler draws from them).
inline verifier::IfaceNames interface_universe(const policy::Policy& p, const std::vector<ir::Ruleset>& rulesets) {
  verifier::IfaceNames names;
  verifier::add_iface_names(names, p);
  for (const auto& rs : rulesets) verifier::add_iface_names(names, rs);
  verifier::finish_iface_names(names);
  return names;
}

// Random packets that are real at a hook (docs/verification.md, "The packet model"), drawn
// mostly from the values the policies name — zone boundaries, service ports, interfaces — so
// that every region boundary is probed, plus uniformly random ones. Defined in
// packet_sampler_test.cpp, beside its own tests.
class PacketSampler {
 public:
  PacketSampler(const std::vector<const policy::Policy*>& policies, const verifier::IfaceNames& names, uint32_t seed);
  ir::Packet any(ir::Hook hook);
  // The packet with one or two fields drawn afresh: probes the neighbourhood of a region.
  ir::Packet near(const ir::Packet& base);
  // A packet inside the region (nullopt when the draw is not a real packet, e.g. ND with ct new).
  std::optional<ir::Packet> inside(const verifier::Region& r);

 private:
  u128 pick(const std::vector<Range>& rs, int bits);
  u128 address(int family);
  uint16_t port();
  void make_real(ir::Packet& p);

  std::mt19937_64 rng_;
  std::vector<Range> v4_, v6_;
  std::vector<uint16_t> ports_;
  std::vector<std::string> ifaces_;
};

}  // namespace zp::review
