// Where zoneproof lives, for reports that link back to it (SARIF's informationUri and helpUri).
// The one place to change it.
#pragma once

namespace zp::cli {

inline constexpr const char* kProjectUrl = "https://github.com/zoneproof/zoneproof";
// The documentation as a reader of a SARIF annotation reaches it: the pages of docs/.
inline constexpr const char* kDocsUrl = "https://github.com/zoneproof/zoneproof/blob/main/docs/";

}  // namespace zp::cli
