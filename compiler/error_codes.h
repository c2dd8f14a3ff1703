// SPDX-License-Identifier: GPL-2.0-or-later
// The stable codes of every policy diagnostic. Each is catalogued, with an example, in
// docs/errors.md; a code never changes meaning once released.
#pragma once

namespace zp::code {

// ZP10xx: reading files and the shape of the YAML.
inline constexpr const char* kYamlSyntax = "ZP1001";
inline constexpr const char* kEncoding = "ZP1002";
inline constexpr const char* kDuplicateKey = "ZP1003";
inline constexpr const char* kUnknownKey = "ZP1004";
inline constexpr const char* kWrongType = "ZP1005";
inline constexpr const char* kMissingKey = "ZP1006";
inline constexpr const char* kBadValue = "ZP1007";
inline constexpr const char* kTooLarge = "ZP1008";
inline constexpr const char* kUnreadable = "ZP1009";
inline constexpr const char* kIncludeCycle = "ZP1010";
inline constexpr const char* kVersion = "ZP1011";
inline constexpr const char* kManyDocuments = "ZP1012";
inline constexpr const char* kIncludeOutsideRoot = "ZP1013";

// ZP11xx: zones and addresses.
inline constexpr const char* kBadAddress = "ZP1101";
inline constexpr const char* kHostBits = "ZP1102";  // warning
inline constexpr const char* kRangeFamily = "ZP1103";
inline constexpr const char* kReversedRange = "ZP1104";
inline constexpr const char* kEmptyZone = "ZP1105";
inline constexpr const char* kSameRange = "ZP1106";
inline constexpr const char* kOverlap = "ZP1107";
inline constexpr const char* kInterfaceTwice = "ZP1108";
inline constexpr const char* kBadInterface = "ZP1109";

// ZP12xx: names and references.
inline constexpr const char* kDuplicateName = "ZP1201";
inline constexpr const char* kDuplicateRuleName = "ZP1202";
inline constexpr const char* kUnknownZone = "ZP1203";
inline constexpr const char* kUnknownService = "ZP1204";
inline constexpr const char* kUnknownTarget = "ZP1205";
inline constexpr const char* kBadName = "ZP1206";
inline constexpr const char* kNameClash = "ZP1207";
inline constexpr const char* kAnyCombined = "ZP1208";
inline constexpr const char* kBidiText = "ZP1209";  // warning

// ZP13xx: services.
inline constexpr const char* kUnknownProtocol = "ZP1301";
inline constexpr const char* kBadPort = "ZP1302";
inline constexpr const char* kReversedPorts = "ZP1303";
inline constexpr const char* kUnknownIcmpType = "ZP1304";
inline constexpr const char* kBadIcmpCode = "ZP1305";
inline constexpr const char* kBadSpec = "ZP1306";

// ZP14xx: rules.
inline constexpr const char* kNoAction = "ZP1401";
inline constexpr const char* kManyActions = "ZP1402";
inline constexpr const char* kLimitNotAllow = "ZP1403";
inline constexpr const char* kBadRate = "ZP1404";
inline constexpr const char* kBadDate = "ZP1405";
inline constexpr const char* kMissingOwnership = "ZP1406";
// Ownership findings of `check` (checks/ownership): not errors of the policy's meaning.
inline constexpr const char* kRuleExpired = "ZP1701";
inline constexpr const char* kRuleExpiring = "ZP1702";

// ZP15xx: targets.
inline constexpr const char* kHostOutsideZone = "ZP1501";
inline constexpr const char* kHostFamily = "ZP1502";
inline constexpr const char* kBadTable = "ZP1503";
inline constexpr const char* kNotSingleAddress = "ZP1504";
inline constexpr const char* kHostInOtherZone = "ZP1505";
inline constexpr const char* kNoTargets = "ZP1506";  // warning
inline constexpr const char* kNeverSends = "ZP1507";  // warning

// ZP16xx: assertions.
inline constexpr const char* kAssertionKind = "ZP1601";
inline constexpr const char* kServiceFamily = "ZP1602";
inline constexpr const char* kManageNotTarget = "ZP1603";

// ZP18xx: NAT on gateways.
inline constexpr const char* kNatNotGateway = "ZP1801";
inline constexpr const char* kNatInterface = "ZP1802";
inline constexpr const char* kNatFamily = "ZP1803";
inline constexpr const char* kForwardNoZone = "ZP1804";
inline constexpr const char* kForwardOverlap = "ZP1805";
inline constexpr const char* kForwardService = "ZP1806";
inline constexpr const char* kForwardNotAdmitted = "ZP1807";  // warning
inline constexpr const char* kNatSourceZone = "ZP1808";
inline constexpr const char* kNatUnused = "ZP1809";  // warning

}  // namespace zp::code
