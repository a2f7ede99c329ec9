// `galt bench constrained --json OUT`: the recall-constrained Fashion-MNIST
// classifier trained by Adam, Lagrangian GDA, a first-order augmented
// Lagrangian and GALT (bench/constrained/constrained_benchmark.h). The
// default run — selection on the validation split, then 5 seeds — takes
// about 10 minutes on one core.
#include <cstdio>
#include <fstream>
#include <limits>
#include <memory>
#include <nlohmann/json.hpp>

#include "bench/constrained/constrained_benchmark.h"
#include "cli/commands.h"
#include "cli/json_output.h"
#include "cli/list_parser.h"
#include "cli/option_checks.h"
#include "galt/error.h"
#include "galt/report/provenance.h"

namespace galt::cli {
namespace {

struct BenchConstrainedArgs {
  std::string json_out, methods = "adam,gda,alm,galt", seeds = "11,12,13,14,15";
  std::string fashion_dir = "/usr/share/datasets/fashion-mnist";
  std::vector<std::string> settings;
  int epochs = 3;
  long long train_rows = 0;
};

// "METHOD.KEY=V" → fixed[METHOD][KEY] = V.
void parse_setting(const std::string& text, std::map<std::string, bench::Setting>& fixed) {
  const auto dot = text.find('.'), eq = text.find('=');
  if (dot == std::string::npos || eq == std::string::npos || eq < dot)
    throw InputError("--setting '" + text + "': expected METHOD.KEY=VALUE (e.g. gda.dual_lr=0.1)");
  const auto values = parse_number_list(text.substr(eq + 1), {"--setting", "a number"});
  if (values.size() != 1)
    throw InputError("--setting '" + text + "': expected one number after '='");
  fixed[text.substr(0, dot)][text.substr(dot + 1, eq - dot - 1)] = values[0];
}

}  // namespace

void register_bench_constrained(CLI::App& bench) {
  auto a = std::make_shared<BenchConstrainedArgs>();
  auto* cmd = bench.add_subcommand(
      "constrained", "Recall-constrained Fashion-MNIST: Adam, GDA, augmented Lagrangian, GALT");
  cmd->add_option("--json", a->json_out, "Write the results here (JSON)")->required();
  cmd->add_option("--methods", a->methods, "Comma list of adam, gda, alm, galt (default all)");
  cmd->add_option("--seeds", a->seeds, "Reported seeds (default 11,12,13,14,15)");
  cmd->add_option("--epochs", a->epochs, "Epochs per run (3)")->check(at_least(1));
  cmd->add_option("--train-rows", a->train_rows, "Use the first N training rows (0: all)")
      ->check(at_least(0, "0: all"));
  cmd->add_option("--setting", a->settings,
                  "METHOD.KEY=V: run METHOD with this setting instead of selecting one "
                  "(repeatable; gda.dual_lr, alm.rho, galt.inner_steps, galt.rho_max)");
  cmd->add_option("--fashion-dir", a->fashion_dir, "Fashion-MNIST IDX files (Debian's path)");
  cmd->callback([a] {
    bench::ConstrainedOptions o;
    o.fashion_dir = a->fashion_dir;
    o.epochs = a->epochs;
    o.train_rows = a->train_rows;
    o.methods = parse_choice_list(a->methods, {"--methods"}, {"adam", "gda", "alm", "galt"});
    o.seeds.clear();
    for (auto s : parse_integer_list(a->seeds, {"--seeds", "a non-negative integer"}, 0,
                                     std::numeric_limits<uint32_t>::max()))
      o.seeds.push_back(static_cast<uint64_t>(s));
    for (const auto& s : a->settings) parse_setting(s, o.fixed);
    bench::check_constrained_options(o);  // before the output file is touched
    check_json_output(a->json_out);       // fail now, not after minutes of work
    auto progress = [](const std::string& m) {
      std::fprintf(stderr, "[bench constrained] %s\n", m.c_str());
    };
    write_json_output(bench::run_constrained_benchmark(o, progress), a->json_out,
                      "galt bench constrained");
  });
}

}  // namespace galt::cli
