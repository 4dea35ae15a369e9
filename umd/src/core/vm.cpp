// SPDX-License-Identifier: MIT
// Copyright (c) 2026 The vsvm authors

#include "vsvm/vm.h"

#include <utility>

#include <fmt/format.h>

#include "core/ioctl_status.h"
#include "core/state.h"
#include "os/os.h"

namespace vsvm {
namespace {

// The names come from the uapi header's list, in enum drm_vsvm_counter order.
#define VSVM_COUNTER_NAME(id, name) name,
constexpr std::array<std::string_view, DRM_VSVM_COUNTER_COUNT> kCounterNames = {
    DRM_VSVM_COUNTER_NAMES(VSVM_COUNTER_NAME)};
#undef VSVM_COUNTER_NAME
static_assert(!kCounterNames.back().empty(), "a counter without a name in DRM_VSVM_COUNTER_NAMES");

// The members of VmCounters, indexed by enum drm_vsvm_counter.
constexpr std::array<uint64_t VmCounters::*, DRM_VSVM_COUNTER_COUNT> kCounterFields = {{
    &VmCounters::faults,
    &VmCounters::faultsFatal,
    &VmCounters::faultRetries,
    &VmCounters::mapped4K,
    &VmCounters::mapped2M,
    &VmCounters::invalUnmap,
    &VmCounters::invalClear,
    &VmCounters::invalProtectionVma,
    &VmCounters::invalProtectionPage,
    &VmCounters::invalSoftDirty,
    &VmCounters::invalRelease,
    &VmCounters::invalMigrate,
    &VmCounters::invalExclusive,
    &VmCounters::invalNonblockFailed,
    &VmCounters::ptesZapped,
    &VmCounters::ptesDowngraded,
    &VmCounters::tlbFlushes,
    &VmCounters::rangesGc,
    &VmCounters::rangesAlive,
    &VmCounters::notifiersAlive,
    &VmCounters::ptBytes,
    &VmCounters::faultNs,
    &VmCounters::hmmNs,
    &VmCounters::youngQueries,
    &VmCounters::youngAnswers,
    &VmCounters::youngCleared,
    &VmCounters::prefetched,
    &VmCounters::prefetchUsed,
    &VmCounters::ptesLive,
    &VmCounters::ptesUnchanged,
}};

// A counter the uapi gained without a member here would be a null member
// pointer, written through at run time: refuse to compile instead.
constexpr bool everyCounterHasAField()
{
    for (auto field : kCounterFields) {
        if (field == nullptr)
            return false;
    }
    return true;
}
static_assert(everyCounterHasAField(), "a counter of enum drm_vsvm_counter without a member in VmCounters");

} // namespace

uint64_t VmCounters::invalidations() const
{
    return invalUnmap + invalClear + invalProtectionVma + invalProtectionPage + invalSoftDirty +
           invalRelease + invalMigrate + invalExclusive;
}

std::array<VmCounters::Entry, DRM_VSVM_COUNTER_COUNT> VmCounters::entries() const
{
    std::array<Entry, DRM_VSVM_COUNTER_COUNT> entries{};
    for (std::size_t i = 0; i < kCounterFields.size(); i++)
        entries[i] = {kCounterNames[i], this->*kCounterFields[i]};
    return entries;
}

Result<Vm> Vm::create(const Device& device)
{
    if (!device.state_)
        return detail::movedFrom("Device").withContext("Vm::create()");
    const detail::DeviceState& dev = *device.state_;
    drm_vsvm_vm_create args{};
    args.flags = DRM_VSVM_VM_CREATE_SVM;
    Status status = detail::ioctlStatus(dev.os->vmCreate(dev.fd.get(), args),
                                        fmt::format("DRM_IOCTL_VSVM_VM_CREATE on {}", dev.path));
    if (!status.ok())
        return status;
    auto state = std::make_shared<detail::VmState>();
    state->device = device.state_;
    state->id = args.vm_id;
    return Vm(std::move(state));
}

Vm::Vm(std::shared_ptr<detail::VmState> state) : state_(std::move(state)) {}

Vm::~Vm()
{
    destroy();
}

Vm::Vm(Vm&& other) noexcept : state_(std::move(other.state_)) {}

Vm& Vm::operator=(Vm&& other) noexcept
{
    if (this != &other) {
        destroy();
        state_ = std::move(other.state_);
    }
    return *this;
}

uint32_t Vm::id() const
{
    return state_ ? state_->id : 0;
}

void Vm::destroy() noexcept
{
    if (!state_)
        return;
    // VM_DESTROY waits for the jobs and forgets their statuses: read those
    // somebody may still ask for first.
    detail::resolveAll(*state_, state_->ledger.unresolved());
    drm_vsvm_vm_destroy args{};
    args.vm_id = state_->id;
    // Nothing to report to: a destructor. The kernel frees the VM with the
    // file at the latest.
    (void)state_->device->os->vmDestroy(state_->device->fd.get(), args);
    state_->destroyed = true;
    state_.reset();
}

Result<VmCounters> Vm::counters() const
{
    if (!state_)
        return detail::movedFrom("Vm");
    const detail::DeviceState& dev = *state_->device;
    std::array<uint64_t, DRM_VSVM_COUNTER_COUNT> values{};
    drm_vsvm_vm_counters args{};
    args.vm_id = state_->id;
    args.count = values.size();
    args.counters_ptr = reinterpret_cast<uintptr_t>(values.data());
    Status status = detail::ioctlStatus(dev.os->vmCounters(dev.fd.get(), args),
                                        fmt::format("DRM_IOCTL_VSVM_VM_COUNTERS(vm {})", state_->id));
    if (!status.ok())
        return status;

    // An older kernel with fewer counters leaves the rest at 0.
    VmCounters counters;
    for (std::size_t i = 0; i < kCounterFields.size(); i++)
        counters.*kCounterFields[i] = values[i];
    return counters;
}

Status Vm::prefetch(const void* ptr, std::size_t size, bool write, Placement placement) const
{
    if (!state_)
        return detail::movedFrom("Vm");
    const detail::DeviceState& dev = *state_->device;
    drm_vsvm_vm_prefetch args{};
    args.vm_id = state_->id;
    args.flags = write ? DRM_VSVM_PREFETCH_WRITE : 0;
    if (placement == Placement::Device)
        args.flags |= DRM_VSVM_PREFETCH_TO_DEVICE;
    else if (placement == Placement::System)
        args.flags |= DRM_VSVM_PREFETCH_TO_SYSTEM;
    args.start = reinterpret_cast<uintptr_t>(ptr);
    args.size = size;
    const char* where = placement == Placement::Device ? ", to the device"
                        : placement == Placement::System ? ", to system memory" : "";
    return detail::ioctlStatus(dev.os->vmPrefetch(dev.fd.get(), args),
                               fmt::format("DRM_IOCTL_VSVM_VM_PREFETCH(vm {}, {}, {:#x} bytes, {}{})",
                                           state_->id, ptr, size, write ? "write" : "read", where));
}

} // namespace vsvm
