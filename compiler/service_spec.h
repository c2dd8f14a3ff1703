// SPDX-License-Identifier: GPL-2.0-or-later
// The inline service grammar: what a policy writes for ports and protocols.
//
//   spec   := "any" | PORTPROTO | PORTPROTO "/" ports | ICMP | ICMP "/" type ["/" code]
//           | "proto/" (name | number)
//   ports  := item ("," item)*        item := port | port "-" port      port := 1..65535
//   PORTPROTO := tcp | udp | sctp | udplite | dccp        ICMP := icmp | icmpv6
//
// e.g. tcp/443, tcp/22,2222, udp/5000-5100, tcp (every TCP port), icmp/echo-request,
// icmpv6/packet-too-big, icmp/3/4, proto/gre, proto/47, any.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "compiler/policy.h"

namespace zp {

struct SpecParse {
  std::optional<policy::ServiceEntry> entry;  // on success; text set, loc left empty
  std::string error_code;
  std::string error;
  std::string hint;
};

SpecParse parse_service_spec(std::string_view text);

// Whether a service reference is written inline (a spec) rather than as a service name: it
// contains '/' or is a bare protocol word such as `tcp`, `icmp` or `any`.
bool is_inline_spec(std::string_view text);

// The words a spec may consist of alone; they can never be service names.
bool is_bare_protocol(std::string_view text);

}  // namespace zp
