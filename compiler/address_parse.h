// SPDX-License-Identifier: GPL-2.0-or-later
// Zone and target addresses as written in a policy: a CIDR ("10.0.0.0/24", "2001:db8::/32"), a
// single address ("10.0.0.1") or a range ("10.0.0.10-10.0.0.20"), each of one family.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "compiler/policy.h"

namespace zp {

struct AddressParse {
  std::optional<policy::AddressRange> range;  // set on success (loc is left empty)
  // On failure: the diagnostic code and message (the text is named in the message).
  std::string error_code;
  std::string error;
  std::string hint;
  // A CIDR with host bits set still parses (to the network it names), with this warning.
  std::string warning;
};

AddressParse parse_address_range(std::string_view text);

// "10.0.0.0/24" for a range that is one prefix, "10.0.0.1" for one address, "a-b" otherwise.
std::string format_address_range(const policy::AddressRange& r);

std::string_view family_name(int family);  // "IPv4", "IPv6"

}  // namespace zp
