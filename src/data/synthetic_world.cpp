// SyntheticWorld: builds the four families (synthetic_world_{task,safety,
// facts,tools}.cpp) and checks the world's promise — no evaluation item has
// a duplicate on the training side — before anyone sees it.
#include <galt/data/synthetic_world.h>
#include <galt/error.h>

#include <stdexcept>

#include "data/synthetic_world_build.h"

namespace galt::data {
namespace {

const WorldOptions& validated(const WorldOptions& o) {
  validate(o);
  return o;
}

}  // namespace

SyntheticWorld::SyntheticWorld(const WorldOptions& o) : o_(validated(o)), vocab_(o_) {
  auto& task = items_[static_cast<size_t>(Family::kTask)];
  auto& safety = items_[static_cast<size_t>(Family::kSafety)];
  auto& fact = items_[static_cast<size_t>(Family::kFact)];
  auto& tool = items_[static_cast<size_t>(Family::kTool)];
  detail::build_task(o_, vocab_, task);
  detail::build_safety(o_, vocab_, safety);
  auto tables = detail::build_facts(o_, vocab_, fact);
  destructive_ = detail::draw_destructive_tools(o_);
  detail::build_tools(o_, vocab_, destructive_, tool);
  for (int f = 0; f < kFamilies; ++f)
    detail::shuffle_splits(o_, static_cast<Family>(f), items_[static_cast<size_t>(f)]);

  table_ = std::move(tables.table);
  held_out_ = std::move(tables.held_out);
  edits_ = std::move(tables.edits);
  for (Split s : {Split::kEditTrain, Split::kEditHeldOut}) {
    const auto& items = fact[static_cast<size_t>(s)];
    for (size_t i = 0; i < items.size(); ++i) {
      auto& e = edits_.at(static_cast<size_t>(items[i].fact.edit));
      (s == Split::kEditTrain ? e.trained : e.held_out).push_back(i);
    }
  }
  bayes_ = data::task_bayes_accuracy(o_);

  // The builders guard the training side against near duplicates as they
  // draw; this is the independent check of the result.
  if (!contamination(training_side(), evaluation_side()).empty())
    throw std::logic_error(
        "synthetic world: the training side holds a duplicate of an "
        "evaluation item (a bug in the world's builders)");
}

const std::vector<Item>& SyntheticWorld::items(Family f, Split s) const {
  return items_.at(static_cast<size_t>(f)).at(static_cast<size_t>(s));
}

std::vector<Item> SyntheticWorld::items(Split s) const {
  std::vector<Item> out;
  for (int f = 0; f < kFamilies; ++f) {
    const auto& v = items(static_cast<Family>(f), s);
    out.insert(out.end(), v.begin(), v.end());
  }
  return out;
}

std::vector<Item> SyntheticWorld::training_side() const {
  std::vector<Item> out;
  for (Split s : {Split::kTrain, Split::kValidation, Split::kEditTrain}) {
    auto v = items(s);
    out.insert(out.end(), v.begin(), v.end());
  }
  return out;
}

std::vector<Item> SyntheticWorld::evaluation_side() const {
  auto out = items(Split::kTest);
  auto v = items(Split::kEditHeldOut);
  out.insert(out.end(), v.begin(), v.end());
  return out;
}

int SyntheticWorld::fact_value(int entity, int attribute) const {
  if (entity < 0 || entity >= o_.entities || attribute < 0 || attribute >= o_.attributes)
    throw InputError("synthetic world: no fact (entity " + std::to_string(entity) + ", attribute " +
                     std::to_string(attribute) + ")");
  return table_[static_cast<size_t>(entity * o_.attributes + attribute)];
}

std::vector<int> SyntheticWorld::held_out_templates(int entity, int attribute) const {
  fact_value(entity, attribute);  // the range check
  return held_out_[static_cast<size_t>(entity * o_.attributes + attribute)];
}

bool SyntheticWorld::tool_destructive(int tool) const {
  if (tool < 0 || tool >= o_.tools)
    throw InputError("synthetic world: no tool " + std::to_string(tool));
  return destructive_[static_cast<size_t>(tool)];
}

}  // namespace galt::data
