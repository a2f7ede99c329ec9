// Internal: one factory per method, each defined in its own file of this
// folder; src/train/method_registry.cpp lists them by name.
#pragma once

#include <memory>

#include "galt/train/continual_method.h"

namespace galt::train {

std::unique_ptr<ContinualMethod> make_galt(const MethodOptions&, const ProtocolConfig&);
std::unique_ptr<ContinualMethod> make_galt_local(const MethodOptions&, const ProtocolConfig&);
std::unique_ptr<ContinualMethod> make_adamw(const MethodOptions&, const ProtocolConfig&);
std::unique_ptr<ContinualMethod> make_soft_penalty(const MethodOptions&, const ProtocolConfig&);
std::unique_ptr<ContinualMethod> make_ewc(const MethodOptions&, const ProtocolConfig&);
std::unique_ptr<ContinualMethod> make_si(const MethodOptions&, const ProtocolConfig&);
std::unique_ptr<ContinualMethod> make_agem(const MethodOptions&, const ProtocolConfig&);
std::unique_ptr<ContinualMethod> make_replay(const MethodOptions&, const ProtocolConfig&);
std::unique_ptr<ContinualMethod> make_er_kd(const MethodOptions&, const ProtocolConfig&);
std::unique_ptr<ContinualMethod> make_derpp(const MethodOptions&, const ProtocolConfig&);
std::unique_ptr<ContinualMethod> make_joint(const MethodOptions&, const ProtocolConfig&);
std::unique_ptr<ContinualMethod> make_lagrangian_gda(const MethodOptions&, const ProtocolConfig&);

}  // namespace galt::train
