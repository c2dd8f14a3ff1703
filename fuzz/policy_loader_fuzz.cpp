// SPDX-License-Identifier: GPL-2.0-or-later
// Feeds arbitrary bytes to the policy loader and renders whatever it reports. Any crash, hang,
// sanitizer report or exception escaping the loader is a bug: bad input must only ever produce
// diagnostics.
#include <cstddef>
#include <cstdint>
#include <string>

#include "compiler/compiler.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string text(reinterpret_cast<const char*>(data), size);
  zp::Diagnostics diags;
  auto policy = zp::load_policy_text(text, "fuzz.yaml", diags);
  // A policy is returned exactly when no error was reported.
  if (policy.has_value() == diags.has_errors()) __builtin_trap();
  const std::string out = zp::render_all(diags);
  (void)out;
  return 0;
}
