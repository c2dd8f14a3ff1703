// SPDX-License-Identifier: GPL-2.0-or-later
#include "compiler/catalog.h"

#include <stdexcept>

#include "compiler/load_sections.h"
#include "compiler/source_text.h"
#include "compiler/yaml_node.h"

namespace zp {
namespace {

std::vector<policy::Service> load_catalog() {
  Diagnostics diags;
  policy::Policy p;
  load::State st(diags, p);
  const std::string file(kCatalogFile);
  remember_source(file, kCatalogText);
  yaml::NodePtr root = yaml::parse(kCatalogText, file, diags);
  if (root && st.reader.expect_map(*root, "the service catalog")) {
    st.reader.check_keys(*root, "the service catalog", {"services"});
    if (const load::Node* services = st.reader.require(*root, "services", "the service catalog"))
      load::load_services(*services, st, /*from_catalog=*/true);
  }
  if (diags.has_errors()) throw std::logic_error("the built-in service catalog does not load:\n" +
                                                 render_all(diags));
  return std::move(p.services);
}

}  // namespace

const std::vector<policy::Service>& catalog_services() {
  static const std::vector<policy::Service> services = load_catalog();
  return services;
}

}  // namespace zp
