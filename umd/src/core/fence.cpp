// SPDX-License-Identifier: MIT
// Copyright (c) 2026 The vsvm authors

#include "vsvm/fence.h"

#include <cerrno>
#include <limits>
#include <utility>

#include <fmt/format.h>

#include "core/ioctl_status.h"
#include "core/state.h"
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

// The errno a failed job's Status carries (Status::jobFailed()).
int jobErrno(JobStatus status)
{
    switch (status) {
    case JobStatus::Ok:
        break;
    case JobStatus::Fault:
        return EFAULT;
    case JobStatus::Retries:
        return EAGAIN;
    case JobStatus::NoProcess:
        return ESRCH;
    case JobStatus::OutOfMemory:
        return ENOMEM;
    case JobStatus::InvalidProgram:
        return ENOEXEC;
    case JobStatus::Timeout:
        return ETIMEDOUT;
    case JobStatus::Canceled:
        return ECANCELED;
    case JobStatus::Unknown:
        break;
    }
    return EIO;
}

// now + timeout, saturating: kForever must not wrap into the past.
int64_t absoluteDeadline(int64_t now, std::chrono::nanoseconds timeout)
{
    int64_t relative = timeout.count() < 0 ? 0 : timeout.count();
    if (relative > std::numeric_limits<int64_t>::max() - now)
        return std::numeric_limits<int64_t>::max();
    return now + relative;
}

// " at 0x1000" when the kernel reported an address.
std::string faultAddressText(uint64_t address)
{
    return address ? fmt::format(" at {:#x}", address) : std::string();
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

std::string describe(vsvm_isa_error error)
{
    switch (error) {
    case VSVM_ISA_ERR_NONE:
        return "VSVM_ISA_ERR_NONE (no error)";
    case VSVM_ISA_ERR_OPCODE:
        return "VSVM_ISA_ERR_OPCODE (an undefined opcode)";
    case VSVM_ISA_ERR_OPERAND:
        return "VSVM_ISA_ERR_OPERAND (an operand the format does not allow, or a non-zero unused field)";
    case VSVM_ISA_ERR_BRANCH:
        return "VSVM_ISA_ERR_BRANCH (a branch target outside the program)";
    case VSVM_ISA_ERR_PC:
        return "VSVM_ISA_ERR_PC (execution ran off the end of the program)";
    case VSVM_ISA_ERR_ALIGN:
        return "VSVM_ISA_ERR_ALIGN (a memory access not aligned to its size)";
    case VSVM_ISA_ERR_LDS:
        return "VSVM_ISA_ERR_LDS (a shared-memory access outside the workgroup's LDS)";
    }
    return fmt::format("ISA error {} (unknown to this library)", static_cast<uint32_t>(error));
}

std::string JobResult::describe() const
{
    std::string where = fmt::format("pc {:#x}, command {}", pc, commandIndex);
    switch (status) {
    case JobStatus::Ok:
        return "ok";
    case JobStatus::Fault:
    case JobStatus::Retries:
        return fmt::format("{}: {}{} ({})", toString(status), toString(faultAccess), faultAddressText(faultAddress),
                           where);
    case JobStatus::InvalidProgram:
        return fmt::format("invalid program: {}{} ({})", vsvm::describe(isaError), faultAddressText(faultAddress),
                           where);
    case JobStatus::Timeout:
        return fmt::format("timeout: stopped at the device's job timeout{} ({})", faultAddressText(faultAddress),
                           where);
    case JobStatus::Unknown:
        return fmt::format("unknown status {}{} ({})", rawStatus, faultAddressText(faultAddress), where);
    default:
        return fmt::format("{}{}", toString(status), faultAddressText(faultAddress));
    }
}

Status Status::jobFailed(const JobResult& result, std::string_view context)
{
    Status status = error(jobErrno(result.status), fmt::format("{}: {}", context, result.describe()));
    status.job_ = std::make_shared<const JobResult>(result);
    return status;
}

namespace detail {

Status movedFrom(std::string_view type)
{
    return Status::error(EBADF, fmt::format("use of a moved-from vsvm::{}", type));
}

Result<JobResult> waitJob(VmState& vm, JobRecord& job, std::chrono::nanoseconds timeout)
{
    if (auto kept = job.result())
        return *kept;
    std::string what = fmt::format("job {} of vm {}", job.jobId(), vm.id);
    if (vm.destroyed)
        return Status::error(ENOENT, fmt::format("{}: the Vm was destroyed before the job's outcome was read", what));

    os::Os& os = *vm.device->os;
    drm_vsvm_wait args{};
    args.vm_id = vm.id;
    args.job_id = job.jobId();
    args.timeout_ns = absoluteDeadline(os.monotonicNs(), timeout);
    int ret = os.wait(vm.device->fd.get(), args);
    if (ret == -ETIME)
        return Status::error(ETIME, fmt::format("{}: still running", what));
    Status status = ioctlStatus(ret, fmt::format("DRM_IOCTL_VSVM_WAIT({})", what));
    if (!status.ok())
        return status;

    JobResult result{
        .status = toJobStatus(args.status),
        .rawStatus = args.status,
        .faultAddress = args.fault_addr,
        .faultAccess = toAccess(args.fault_access),
        .pc = args.pc,
        .commandIndex = args.cmd_index,
        .isaError = static_cast<vsvm_isa_error>(args.error),
    };
    job.store(result);
    return result;
}

} // namespace detail

Fence::Fence(std::shared_ptr<detail::VmState> vm, uint32_t syncobj) : vm_(std::move(vm)), syncobj_(syncobj) {}

Fence::~Fence()
{
    release();
}

Fence::Fence(Fence&& other) noexcept
    : vm_(std::move(other.vm_)), syncobj_(std::exchange(other.syncobj_, 0)), job_(std::move(other.job_))
{
}

Fence& Fence::operator=(Fence&& other) noexcept
{
    if (this != &other) {
        release();
        vm_ = std::move(other.vm_);
        syncobj_ = std::exchange(other.syncobj_, 0);
        job_ = std::move(other.job_);
    }
    return *this;
}

void Fence::release() noexcept
{
    if (syncobj_ != 0)
        (void)vm_->device->os->syncobjDestroy(vm_->device->fd.get(), syncobj_);
    syncobj_ = 0;
}

uint64_t Fence::jobId() const
{
    return job_ ? job_->jobId() : 0;
}

std::string Fence::name() const
{
    return fmt::format("job {} of vm {}", job_->jobId(), vm_->id);
}

Result<JobResult> Fence::wait(std::chrono::nanoseconds timeout) const
{
    if (!valid())
        return detail::movedFrom("Fence");
    return detail::waitJob(*vm_, *job_, timeout);
}

Status Fence::waitOk(std::chrono::nanoseconds timeout) const
{
    auto result = wait(timeout);
    if (!result)
        return result.status();
    if (!result->ok())
        return Status::jobFailed(*result, name());
    return {};
}

Result<std::optional<JobResult>> Fence::poll() const
{
    auto result = wait(std::chrono::nanoseconds(0));
    if (!result && result.status().errnum() == ETIME)
        return std::optional<JobResult>();
    if (!result)
        return result.status();
    return std::optional<JobResult>(*result);
}

Result<bool> Fence::pollOk() const
{
    auto result = poll();
    if (!result)
        return result.status();
    if (!result->has_value())
        return false;
    if (!(*result)->ok())
        return Status::jobFailed(**result, name());
    return true;
}

} // namespace vsvm
