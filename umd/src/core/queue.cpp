// SPDX-License-Identifier: MIT
// Copyright (c) 2026 The vsvm authors

#include "vsvm/queue.h"

#include <cerrno>
#include <algorithm>
#include <limits>
#include <type_traits>
#include <utility>

#include <fmt/format.h>

#include "core/ioctl_status.h"
#include "os/os.h"

namespace vsvm {
namespace {

JobStatus toJobStatus(uint32_t status)
{
    switch (status) {
    case DRM_VSVM_JOB_OK:
        return JobStatus::Ok;
    case DRM_VSVM_JOB_FAULT:
        return JobStatus::Fault;
    case DRM_VSVM_JOB_RETRIES:
        return JobStatus::Retries;
    case DRM_VSVM_JOB_NO_MM:
        return JobStatus::NoProcess;
    case DRM_VSVM_JOB_NOMEM:
        return JobStatus::OutOfMemory;
    case DRM_VSVM_JOB_INVALID:
        return JobStatus::InvalidProgram;
    case DRM_VSVM_JOB_TIMEOUT:
        return JobStatus::Timeout;
    case DRM_VSVM_JOB_CANCELED:
        return JobStatus::Canceled;
    }
    return JobStatus::Unknown;
}

Access toAccess(uint32_t access)
{
    switch (access) {
    case DRM_VSVM_ACCESS_READ:
        return Access::Read;
    case DRM_VSVM_ACCESS_WRITE:
        return Access::Write;
    }
    return Access::None;
}

std::string_view engineName(uint32_t engine)
{
    return engine == DRM_VSVM_ENGINE_COPY ? "copy" : "compute";
}

// now + timeout, saturating: kForever must not wrap into the past.
int64_t absoluteDeadline(int64_t now, std::chrono::nanoseconds timeout)
{
    int64_t relative = timeout.count() < 0 ? 0 : timeout.count();
    if (relative > std::numeric_limits<int64_t>::max() - now)
        return std::numeric_limits<int64_t>::max();
    return now + relative;
}

uint64_t address(const void* pointer)
{
    return reinterpret_cast<uintptr_t>(pointer);
}

} // namespace

std::string_view toString(JobStatus status)
{
    switch (status) {
    case JobStatus::Ok:
        return "ok";
    case JobStatus::Fault:
        return "fault";
    case JobStatus::Retries:
        return "too many fault retries";
    case JobStatus::NoProcess:
        return "process gone";
    case JobStatus::OutOfMemory:
        return "out of memory";
    case JobStatus::InvalidProgram:
        return "invalid program";
    case JobStatus::Timeout:
        return "timeout";
    case JobStatus::Canceled:
        return "canceled";
    case JobStatus::Unknown:
        break;
    }
    return "unknown status";
}

std::string_view toString(Access access)
{
    switch (access) {
    case Access::Read:
        return "read";
    case Access::Write:
        return "write";
    case Access::None:
        break;
    }
    return "none";
}

std::string JobResult::describe() const
{
    switch (status) {
    case JobStatus::Ok:
        return "ok";
    case JobStatus::Fault:
        return fmt::format("fault: {} at {:#x} (pc {:#x}, command {})", toString(faultAccess),
                           faultAddress, pc, commandIndex);
    case JobStatus::InvalidProgram:
        return fmt::format("invalid program: ISA error {} at pc {:#x} (command {})",
                           static_cast<uint32_t>(isaError), pc, commandIndex);
    case JobStatus::Timeout:
        return fmt::format("timeout at pc {:#x} (command {})", pc, commandIndex);
    case JobStatus::Unknown:
        return fmt::format("unknown status {}", rawStatus);
    default:
        return std::string(toString(status));
    }
}

Fence::~Fence()
{
    release();
}

Fence::Fence(Fence&& other) noexcept
    : vm_(std::exchange(other.vm_, {})), syncobj_(std::exchange(other.syncobj_, 0)),
      jobId_(std::exchange(other.jobId_, 0))
{
}

Fence& Fence::operator=(Fence&& other) noexcept
{
    if (this != &other) {
        release();
        vm_ = std::exchange(other.vm_, {});
        syncobj_ = std::exchange(other.syncobj_, 0);
        jobId_ = std::exchange(other.jobId_, 0);
    }
    return *this;
}

void Fence::release() noexcept
{
    if (syncobj_ != 0)
        (void)vm_.os->syncobjDestroy(vm_.fd, syncobj_);
    syncobj_ = 0;
}

Result<JobResult> Fence::wait(std::chrono::nanoseconds timeout) const
{
    drm_vsvm_wait args{};
    args.vm_id = vm_.id;
    args.job_id = jobId_;
    args.timeout_ns = absoluteDeadline(vm_.os->monotonicNs(), timeout);
    Status status = detail::ioctlStatus(
        vm_.os->wait(vm_.fd, args),
        fmt::format("DRM_IOCTL_VSVM_WAIT(vm {}, job {})", vm_.id, jobId_));
    if (!status.ok())
        return status;

    return JobResult{
        .status = toJobStatus(args.status),
        .rawStatus = args.status,
        .faultAddress = args.fault_addr,
        .faultAccess = toAccess(args.fault_access),
        .pc = args.pc,
        .commandIndex = args.cmd_index,
        .isaError = static_cast<vsvm_isa_error>(args.error),
    };
}

namespace detail {

Result<Fence> QueueBase::submit(uint32_t engine, const void* commands, std::size_t count,
                                const Dependencies& after) const
{
    std::string what = fmt::format("DRM_IOCTL_VSVM_EXEC({}, vm {}, {} commands)",
                                   engineName(engine), vm_.id, count);
    if (count == 0 || count > DRM_VSVM_EXEC_MAX_CMDS)
        return Status::fromErrno(EINVAL, fmt::format("{}: 1 to {} allowed", what,
                                                     DRM_VSVM_EXEC_MAX_CMDS));
    if (after.size() > DRM_VSVM_EXEC_MAX_IN_SYNCOBJS)
        return Status::fromErrno(EINVAL, fmt::format("{}: {} dependencies, at most {}", what,
                                                     after.size(), DRM_VSVM_EXEC_MAX_IN_SYNCOBJS));

    std::vector<uint32_t> inSyncobjs;
    inSyncobjs.reserve(after.size());
    for (const Fence& fence : after)
        inSyncobjs.push_back(fence.syncobj());

    auto syncobj = vm_.os->syncobjCreate(vm_.fd);
    if (!syncobj)
        return syncobj.status().withContext(what);
    // Owns the syncobj from here, so every failure below destroys it.
    Fence fence(vm_, *syncobj, 0);

    drm_vsvm_exec args{};
    args.vm_id = vm_.id;
    args.engine = engine;
    args.cmds_ptr = address(commands);
    args.num_cmds = static_cast<uint32_t>(count);
    args.out_syncobj = *syncobj;
    args.in_syncobjs_ptr = inSyncobjs.empty() ? 0 : address(inSyncobjs.data());
    args.num_in_syncobjs = static_cast<uint32_t>(inSyncobjs.size());
    Status status = ioctlStatus(vm_.os->exec(vm_.fd, args), std::move(what));
    if (!status.ok())
        return status;

    fence.jobId_ = args.job_id;
    return fence;
}

} // namespace detail

CopyCommand CopyCommand::copy(void* dst, const void* src, std::size_t size)
{
    CopyCommand command;
    command.cmd.op = DRM_VSVM_CMD_COPY;
    command.cmd.dst = address(dst);
    command.cmd.src = address(src);
    command.cmd.size = size;
    return command;
}

CopyCommand CopyCommand::fill(void* dst, uint64_t pattern, std::size_t size)
{
    CopyCommand command;
    command.cmd.op = DRM_VSVM_CMD_FILL;
    command.cmd.dst = address(dst);
    command.cmd.size = size;
    command.cmd.value = pattern;
    return command;
}

CopyCommand CopyCommand::checksum(const void* src, std::size_t size, uint64_t* result)
{
    CopyCommand command;
    command.cmd.op = DRM_VSVM_CMD_CHECKSUM;
    command.cmd.src = address(src);
    command.cmd.dst = address(result);
    command.cmd.size = size;
    return command;
}

Result<Fence> CopyQueue::submit(std::span<const CopyCommand> commands,
                                const Dependencies& after) const
{
    // The array goes to the kernel as it is.
    static_assert(sizeof(CopyCommand) == sizeof(drm_vsvm_cmd) &&
                  std::is_standard_layout_v<CopyCommand>);
    return QueueBase::submit(DRM_VSVM_ENGINE_COPY, commands.data(), commands.size(), after);
}

Result<Fence> CopyQueue::copy(void* dst, const void* src, std::size_t size,
                              const Dependencies& after) const
{
    CopyCommand command = CopyCommand::copy(dst, src, size);
    return submit({&command, 1}, after);
}

Result<Fence> CopyQueue::fill(void* dst, uint64_t pattern, std::size_t size,
                              const Dependencies& after) const
{
    CopyCommand command = CopyCommand::fill(dst, pattern, size);
    return submit({&command, 1}, after);
}

Result<Fence> CopyQueue::checksum(const void* src, std::size_t size, uint64_t* result,
                                  const Dependencies& after) const
{
    CopyCommand command = CopyCommand::checksum(src, size, result);
    return submit({&command, 1}, after);
}

Result<Fence> ComputeQueue::submit(std::span<const Dispatch> dispatches,
                                   const Dependencies& after) const
{
    std::vector<drm_vsvm_dispatch> cmds;
    cmds.reserve(dispatches.size());
    for (std::size_t i = 0; i < dispatches.size(); i++) {
        const Dispatch& dispatch = dispatches[i];
        if (!dispatch.kernel)
            return Status::fromErrno(EINVAL, fmt::format("dispatch {} has no kernel", i));
        if (dispatch.args.overflowed())
            return Status::fromErrno(E2BIG, fmt::format("dispatch {}: more than {} kernel "
                                                        "arguments", i, VSVM_ISA_MAX_ARGS));
        drm_vsvm_dispatch cmd{};
        cmd.code_ptr = address(dispatch.kernel->code());
        cmd.code_size = dispatch.kernel->codeSize();
        cmd.entry = dispatch.kernel->entry();
        cmd.isa_version = VSVM_ISA_VERSION;
        cmd.group_size[0] = dispatch.lanes.x;
        cmd.group_size[1] = dispatch.lanes.y;
        cmd.group_size[2] = dispatch.lanes.z;
        cmd.num_groups[0] = dispatch.groups.x;
        cmd.num_groups[1] = dispatch.groups.y;
        cmd.num_groups[2] = dispatch.groups.z;
        std::span<const uint64_t> args = dispatch.args.values();
        cmd.num_args = static_cast<uint32_t>(args.size());
        std::copy(args.begin(), args.end(), cmd.args);
        cmds.push_back(cmd);
    }
    return QueueBase::submit(DRM_VSVM_ENGINE_COMPUTE, cmds.data(), cmds.size(), after);
}

} // namespace vsvm
