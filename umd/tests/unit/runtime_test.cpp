// SPDX-License-Identifier: MIT
// Copyright (c) 2026 The vsvm authors

// The runtime (Vm, Kernel, queues, Fence) against a mocked os::Os: every
// ioctl's exact arguments, and how the kernel's answers become statuses.

#include <cerrno>
#include <cstdint>
#include <limits>
#include <string>
#include <type_traits>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "runtime_fixture.h"
#include "vsvm/runtime.h"

namespace vsvm {
namespace {

using ::testing::_;
using ::testing::ByMove;
using ::testing::ElementsAre;
using ::testing::ElementsAreArray;
using ::testing::Field;
using ::testing::HasSubstr;
using ::testing::InSequence;
using ::testing::Return;
using ::testing::StrictMock;

using test::address;
using test::kJobId;
using test::kNow;
using test::kSyncobj;
using test::kVmId;
using test::RuntimeTest;

static_assert(!std::is_copy_constructible_v<Vm> && std::is_nothrow_move_constructible_v<Vm>);
static_assert(!std::is_copy_constructible_v<Kernel> && std::is_nothrow_move_constructible_v<Kernel>);
static_assert(!std::is_copy_constructible_v<Fence> && std::is_nothrow_move_constructible_v<Fence>);
static_assert(!std::is_copy_constructible_v<ComputeQueue> && std::is_nothrow_move_constructible_v<ComputeQueue>);

Kernel endpgmKernel()
{
    return test::assembleKernel();
}

TEST_F(RuntimeTest, VmIsCreatedInSvmModeAndDestroyedOnce)
{
    EXPECT_CALL(os_, vmCreate(fd_, _)).WillOnce([](int, drm_vsvm_vm_create& args) {
        EXPECT_EQ(args.flags, DRM_VSVM_VM_CREATE_SVM);
        EXPECT_EQ(args.extensions, 0u);
        args.vm_id = kVmId;
        return 0;
    });
    EXPECT_CALL(os_, vmDestroy(fd_, _)).WillOnce([](int, drm_vsvm_vm_destroy& args) {
        EXPECT_EQ(args.vm_id, kVmId);
        EXPECT_EQ(args.pad, 0u);
        return 0;
    });

    auto vm = Vm::create(*device_);
    ASSERT_TRUE(vm) << vm.status().message();
    EXPECT_EQ(vm->id(), kVmId);
    Vm moved = std::move(*vm); // the moved-from VM destroys nothing
}

TEST_F(RuntimeTest, VmCreateFailureIsItsErrno)
{
    EXPECT_CALL(os_, vmCreate(fd_, _)).WillOnce(Return(-ENOSPC));

    auto vm = Vm::create(*device_);

    ASSERT_FALSE(vm);
    EXPECT_EQ(vm.status().errnum(), ENOSPC);
    EXPECT_THAT(vm.status().context(), HasSubstr("DRM_IOCTL_VSVM_VM_CREATE"));
}

TEST_F(RuntimeTest, CountersAreReadInFullAndNamed)
{
    Vm vm = createVm();
    EXPECT_CALL(os_, vmCounters(fd_, _)).WillOnce([](int, drm_vsvm_vm_counters& args) {
        EXPECT_EQ(args.vm_id, kVmId);
        EXPECT_EQ(args.count, uint32_t{DRM_VSVM_COUNTER_COUNT});
        auto* values = reinterpret_cast<uint64_t*>(args.counters_ptr);
        for (uint32_t i = 0; i < args.count; i++)
            values[i] = 100 + i;
        return 0;
    });

    auto counters = vm.counters();

    ASSERT_TRUE(counters) << counters.status().message();
    EXPECT_EQ(counters->faults, 100u);
    EXPECT_EQ(counters->invalUnmap, 100u + DRM_VSVM_COUNTER_INVAL_UNMAP);
    EXPECT_EQ(counters->hmmNs, 100u + DRM_VSVM_COUNTER_HMM_NS);
    // The eight event types, 105 to 112.
    EXPECT_EQ(counters->invalidations(), 8u * 100 + (5 + 12) * 8 / 2);
    auto entries = counters->entries();
    EXPECT_EQ(entries[DRM_VSVM_COUNTER_FAULTS_FATAL].name, "faults_fatal");
    EXPECT_EQ(entries[DRM_VSVM_COUNTER_PT_BYTES].name, "pt_bytes");
    EXPECT_EQ(entries[DRM_VSVM_COUNTER_PT_BYTES].value, 100u + DRM_VSVM_COUNTER_PT_BYTES);
    // Every counter lands in its own member, the last one too.
    for (std::size_t i = 0; i < entries.size(); i++)
        EXPECT_EQ(entries[i].value, 100u + i) << entries[i].name;
}

TEST_F(RuntimeTest, CountersFailureIsItsErrno)
{
    Vm vm = createVm();
    EXPECT_CALL(os_, vmCounters(fd_, _)).WillOnce(Return(-ENOENT));

    auto counters = vm.counters();

    ASSERT_FALSE(counters);
    EXPECT_EQ(counters.status().errnum(), ENOENT);
}

TEST_F(RuntimeTest, PrefetchPassesTheRangeAndTheWriteFlag)
{
    Vm vm = createVm();
    std::vector<char> buffer(10000);
    InSequence order;
    EXPECT_CALL(os_, vmPrefetch(fd_, _)).WillOnce([&](int, drm_vsvm_vm_prefetch& args) {
        EXPECT_EQ(args.vm_id, kVmId);
        EXPECT_EQ(args.flags, DRM_VSVM_PREFETCH_WRITE);
        EXPECT_EQ(args.start, address(buffer.data()));
        EXPECT_EQ(args.size, buffer.size());
        return 0;
    });
    EXPECT_CALL(os_, vmPrefetch(fd_, Field(&drm_vsvm_vm_prefetch::flags, 0u)))
        .WillOnce(Return(-EFAULT));

    EXPECT_TRUE(vm.prefetch(buffer.data(), buffer.size(), true).ok());
    Status status = vm.prefetch(buffer.data(), buffer.size(), false);
    EXPECT_EQ(status.errnum(), EFAULT);
    EXPECT_THAT(status.context(), HasSubstr("DRM_IOCTL_VSVM_VM_PREFETCH"));
}

TEST_F(RuntimeTest, PrefetchPlacementSetsItsFlag)
{
    Vm vm = createVm();
    std::vector<char> buffer(4096);
    InSequence order;
    EXPECT_CALL(os_, vmPrefetch(fd_, Field(&drm_vsvm_vm_prefetch::flags, DRM_VSVM_PREFETCH_TO_DEVICE)))
        .WillOnce(Return(0));
    EXPECT_CALL(os_, vmPrefetch(fd_, Field(&drm_vsvm_vm_prefetch::flags,
                                           DRM_VSVM_PREFETCH_TO_SYSTEM | DRM_VSVM_PREFETCH_WRITE)))
        .WillOnce(Return(-EOPNOTSUPP));

    EXPECT_TRUE(vm.prefetch(buffer.data(), buffer.size(), false, Vm::Placement::Device).ok());
    Status status = vm.prefetch(buffer.data(), buffer.size(), true, Vm::Placement::System);
    EXPECT_EQ(status.errnum(), EOPNOTSUPP);
    EXPECT_THAT(status.context(), HasSubstr("to system memory"));
}

TEST(Kernel, AssemblyLandsInAReadOnlyPageAlignedMapping)
{
    auto kernel = Kernel::fromAssembly(".entry start\ns_nop\nstart:\ns_endpgm\n");
    ASSERT_TRUE(kernel) << kernel.status().message();

    isa::Assembly expected = isa::assemble(".entry start\ns_nop\nstart:\ns_endpgm\n");
    ASSERT_TRUE(expected.ok());
    EXPECT_EQ(kernel->codeSize(), 16u);
    EXPECT_EQ(kernel->entry(), 8u);
    EXPECT_EQ(expected.program.entry, 8u);
    EXPECT_EQ(address(kernel->code()) % 4096, 0u);
    EXPECT_THAT(std::vector<uint64_t>(kernel->code(), kernel->code() + 2),
                ElementsAreArray(expected.program.words));
    EXPECT_DEATH(*const_cast<uint64_t*>(kernel->code()) = 0, "");
}

TEST(Kernel, AssemblyErrorsAreInTheStatus)
{
    auto kernel = Kernel::fromAssembly("s_nop\n  v_frob v1\ns_mov s1, v2\n");

    ASSERT_FALSE(kernel);
    EXPECT_EQ(kernel.status().errnum(), EINVAL);
    EXPECT_THAT(kernel.status().context(), HasSubstr("2:3: unknown instruction 'v_frob'"));
    EXPECT_THAT(kernel.status().context(), HasSubstr("\n3:11: "));
}

TEST(Kernel, WordsAreCheckedBeforeMapping)
{
    const std::vector<uint64_t> words = {0, 0};
    EXPECT_EQ(Kernel::fromWords({}).status().errnum(), EINVAL);
    EXPECT_EQ(Kernel::fromWords(words, 4).status().errnum(), EINVAL);
    EXPECT_EQ(Kernel::fromWords(words, 16).status().errnum(), EINVAL);
    std::vector<uint64_t> tooLarge(DRM_VSVM_CODE_MAX_SIZE / 8 + 1);
    EXPECT_EQ(Kernel::fromWords(tooLarge).status().errnum(), EINVAL);

    auto kernel = Kernel::fromWords(words, 8);
    ASSERT_TRUE(kernel) << kernel.status().message();
    EXPECT_EQ(kernel->entry(), 8u);
    Kernel moved = std::move(*kernel);
    EXPECT_EQ(kernel->code(), nullptr);
    EXPECT_EQ(moved.codeSize(), 16u);
}

TEST(Kernel, KeepsTheIsaVersionItIsDispatchedAs)
{
    // Assembled: the version the program declares (1 without .isa).
    EXPECT_EQ(test::assembleKernel().isaVersion(), 1u);
    EXPECT_EQ(test::assembleKernel(".isa 2\nv_popc_b32 v1, v2\ns_endpgm\n").isaVersion(), 2u);
    // Words alone: the highest version, which runs every older program unchanged.
    const uint64_t endpgm = VSVM_OP_S_ENDPGM;
    Result<Kernel> words = Kernel::fromWords({&endpgm, 1});
    ASSERT_TRUE(words) << words.status().message();
    EXPECT_EQ(words->isaVersion(), uint32_t{VSVM_ISA_VERSION});
    Result<Kernel> v1 = Kernel::fromWords({&endpgm, 1}, 0, std::nullopt, 1);
    ASSERT_TRUE(v1) << v1.status().message();
    EXPECT_EQ(v1->isaVersion(), 1u);
    for (uint32_t bad : {0u, uint32_t{VSVM_ISA_VERSION} + 1}) {
        Result<Kernel> k = Kernel::fromWords({&endpgm, 1}, 0, std::nullopt, bad);
        ASSERT_FALSE(k) << bad;
        EXPECT_EQ(k.status().errnum(), EINVAL);
        EXPECT_THAT(k.status().message(), ::testing::HasSubstr("ISA version"));
    }
    // Moving keeps it.
    Kernel moved = std::move(*v1);
    EXPECT_EQ(moved.isaVersion(), 1u);
}

TEST(KernelArgs, PointersIntegersAndFloatsBecomeSixtyFourBits)
{
    int x = 0;
    enum class Mode : uint8_t { B = 3 };
    KernelArgs args(&x, -1, 7u, uint8_t{255}, 1.5f, -2.0, Mode::B, int16_t{-2});

    EXPECT_THAT(args.values(),
                ElementsAre(address(&x), 0xffffffffffffffffull, 7u, 255u, 0x3fc00000u,
                            0xc000000000000000ull, 3u, 0xfffffffffffffffeull));
    EXPECT_FALSE(args.overflowed());
}

TEST(KernelArgs, MoreThanSixteenOverflow)
{
    KernelArgs args;
    for (int i = 0; i < 17; i++)
        args.push(i);
    EXPECT_EQ(args.values().size(), 16u);
    EXPECT_TRUE(args.overflowed());
}

TEST_F(RuntimeTest, LaunchSubmitsOneDispatchWithPackedArgs)
{
    Vm vm = createVm();
    Kernel kernel = endpgmKernel();
    std::vector<float> x(100), y(100);
    expectSyncobj();
    expectExec();

    ComputeQueue queue(vm);
    auto fence = queue.launch(kernel, {4, 2}, {16, 1, 2}, x.data(), y.data(), 100u, 2.0f);

    ASSERT_TRUE(fence) << fence.status().message();
    EXPECT_EQ(fence->jobId(), kJobId);
    EXPECT_EQ(fence->syncobj(), kSyncobj);
    EXPECT_EQ(exec_.vm_id, kVmId);
    EXPECT_EQ(exec_.engine, uint32_t{DRM_VSVM_ENGINE_COMPUTE});
    EXPECT_EQ(exec_.num_cmds, 1u);
    EXPECT_EQ(exec_.out_syncobj, kSyncobj);
    EXPECT_EQ(exec_.in_syncobjs_ptr, 0u);
    EXPECT_EQ(exec_.num_in_syncobjs, 0u);
    EXPECT_EQ(exec_.flags | exec_.pad | exec_.pad2, 0u);
    EXPECT_EQ(exec_.extensions, 0u);
    ASSERT_EQ(dispatches_.size(), 1u);
    const drm_vsvm_dispatch& d = dispatches_[0];
    EXPECT_EQ(d.code_ptr, address(kernel.code()));
    EXPECT_EQ(d.code_size, 16u);
    EXPECT_EQ(d.entry, 0u);
    EXPECT_EQ(d.isa_version, kernel.isaVersion());
    EXPECT_THAT(d.num_groups, ElementsAre(4u, 2u, 1u));
    EXPECT_THAT(d.group_size, ElementsAre(16u, 1u, 2u));
    EXPECT_EQ(d.num_args, 4u);
    EXPECT_EQ(d.flags, 0u);
    EXPECT_THAT(d.args, ElementsAre(address(x.data()), address(y.data()), 100u, 0x40000000u, 0,
                                    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0));
}

TEST_F(RuntimeTest, DependenciesBecomeInSyncobjs)
{
    Vm vm = createVm();
    Kernel kernel = endpgmKernel();
    CopyQueue copies(vm);
    ComputeQueue compute(vm);
    std::vector<char> a(64), b(64);

    expectSyncobj(11);
    expectExec();
    auto first = copies.fill(a.data(), 0, a.size());
    ASSERT_TRUE(first) << first.status().message();
    expectSyncobj(12);
    expectExec();
    auto second = copies.copy(b.data(), a.data(), a.size(), {*first});
    ASSERT_TRUE(second) << second.status().message();
    EXPECT_THAT(inSyncobjs_, ElementsAre(11u));

    expectSyncobj(13);
    expectExec();
    auto third = compute.launchAfter({*first, *second}, kernel, {1}, {1}, b.data());
    ASSERT_TRUE(third) << third.status().message();
    EXPECT_EQ(exec_.num_in_syncobjs, 2u);
    EXPECT_THAT(inSyncobjs_, ElementsAre(11u, 12u));
    EXPECT_EQ(exec_.out_syncobj, 13u);
}

TEST_F(RuntimeTest, CopyCommandsAreEncodedAsTheUapiSays)
{
    Vm vm = createVm();
    CopyQueue queue(vm);
    std::vector<char> src(300), dst(300);
    uint64_t hash = 0;
    expectSyncobj();
    expectExec();

    const CopyCommand commands[] = {
        CopyCommand::copy(dst.data(), src.data(), 300),
        CopyCommand::fill(dst.data(), 0x0102030405060708, 299),
        CopyCommand::checksum(src.data(), 17, &hash),
    };
    auto fence = queue.submit(commands);

    ASSERT_TRUE(fence) << fence.status().message();
    EXPECT_EQ(exec_.engine, uint32_t{DRM_VSVM_ENGINE_COPY});
    EXPECT_EQ(exec_.num_cmds, 3u);
    ASSERT_EQ(copyCmds_.size(), 3u);
    EXPECT_EQ(copyCmds_[0].op, uint32_t{DRM_VSVM_CMD_COPY});
    EXPECT_EQ(copyCmds_[0].src, address(src.data()));
    EXPECT_EQ(copyCmds_[0].dst, address(dst.data()));
    EXPECT_EQ(copyCmds_[0].size, 300u);
    EXPECT_EQ(copyCmds_[0].value, 0u);
    EXPECT_EQ(copyCmds_[1].op, uint32_t{DRM_VSVM_CMD_FILL});
    EXPECT_EQ(copyCmds_[1].src, 0u);
    EXPECT_EQ(copyCmds_[1].value, 0x0102030405060708u);
    EXPECT_EQ(copyCmds_[1].size, 299u);
    EXPECT_EQ(copyCmds_[2].op, uint32_t{DRM_VSVM_CMD_CHECKSUM});
    EXPECT_EQ(copyCmds_[2].src, address(src.data()));
    EXPECT_EQ(copyCmds_[2].dst, address(&hash));
    EXPECT_EQ(copyCmds_[2].size, 17u);
    for (const drm_vsvm_cmd& cmd : copyCmds_)
        EXPECT_EQ(cmd.flags, 0u);
}

TEST_F(RuntimeTest, AFailedExecReturnsItsErrnoAndFreesTheSyncobj)
{
    Vm vm = createVm();
    CopyQueue queue(vm);
    char byte = 0;
    expectSyncobj();
    EXPECT_CALL(os_, exec(fd_, _)).WillOnce(Return(-EACCES));

    auto fence = queue.fill(&byte, 0, 1);

    ASSERT_FALSE(fence);
    EXPECT_EQ(fence.status().errnum(), EACCES);
    EXPECT_THAT(fence.status().context(), HasSubstr("DRM_IOCTL_VSVM_EXEC(copy, vm 7, 1 commands)"));
}

TEST_F(RuntimeTest, BadSubmissionsFailBeforeAnyIoctl)
{
    Vm vm = createVm();
    ComputeQueue queue(vm);
    Kernel kernel = endpgmKernel();
    KernelArgs tooMany;
    for (int i = 0; i < 17; i++)
        tooMany.push(i);

    EXPECT_EQ(queue.submit({{&kernel, {1}, {1}, tooMany}}).status().errnum(), E2BIG);
    EXPECT_EQ(queue.submit({{nullptr, {1}, {1}, {}}}).status().errnum(), EINVAL);
    EXPECT_EQ(queue.submit(std::span<const Dispatch>()).status().errnum(), EINVAL);
}

TEST_F(RuntimeTest, WaitTimeoutIsAbsoluteOnTheMonotonicClock)
{
    Vm vm = createVm();
    CopyQueue queue(vm);
    char byte = 0;
    expectSyncobj();
    expectExec();
    auto fence = queue.fill(&byte, 0, 1);
    ASSERT_TRUE(fence) << fence.status().message();

    EXPECT_CALL(os_, monotonicNs()).WillRepeatedly(Return(kNow));
    InSequence order;
    EXPECT_CALL(os_, wait(fd_, _)).WillOnce([](int, drm_vsvm_wait& args) {
        EXPECT_EQ(args.vm_id, kVmId);
        EXPECT_EQ(args.job_id, kJobId);
        EXPECT_EQ(args.flags, 0u);
        EXPECT_EQ(args.timeout_ns, kNow + 250'000'000);
        return -ETIME;
    });
    EXPECT_CALL(os_, wait(fd_, _)).WillOnce([](int, drm_vsvm_wait& args) {
        EXPECT_EQ(args.timeout_ns, std::numeric_limits<int64_t>::max());
        args.status = DRM_VSVM_JOB_OK;
        return 0;
    });

    auto timedOut = fence->wait(std::chrono::milliseconds(250));
    ASSERT_FALSE(timedOut);
    EXPECT_EQ(timedOut.status().errnum(), ETIME);

    auto done = fence->wait();
    ASSERT_TRUE(done) << done.status().message();
    EXPECT_TRUE(done->ok());
    EXPECT_EQ(done->describe(), "ok");
}

TEST_F(RuntimeTest, WaitReportsFaultsAndInvalidPrograms)
{
    Vm vm = createVm();
    ComputeQueue queue(vm);
    Kernel kernel = endpgmKernel();
    expectJobs(3);
    auto faulting = queue.launch(kernel, {1}, {1});
    auto invalidProgram = queue.launch(kernel, {1}, {1});
    auto unknownStatus = queue.launch(kernel, {1}, {1});
    ASSERT_TRUE(faulting && invalidProgram && unknownStatus);

    EXPECT_CALL(os_, monotonicNs()).WillRepeatedly(Return(kNow));
    EXPECT_CALL(os_, wait(fd_, Field(&drm_vsvm_wait::job_id, kJobId))).WillOnce([](int, drm_vsvm_wait& args) {
        args.status = DRM_VSVM_JOB_FAULT;
        args.fault_addr = 0xdead000;
        args.fault_access = DRM_VSVM_ACCESS_WRITE;
        args.pc = 0x18;
        return 0;
    });
    EXPECT_CALL(os_, wait(fd_, Field(&drm_vsvm_wait::job_id, kJobId + 1))).WillOnce([](int, drm_vsvm_wait& args) {
        args.status = DRM_VSVM_JOB_INVALID;
        args.error = VSVM_ISA_ERR_BRANCH;
        args.pc = 8;
        args.cmd_index = 0;
        return 0;
    });
    EXPECT_CALL(os_, wait(fd_, Field(&drm_vsvm_wait::job_id, kJobId + 2))).WillOnce([](int, drm_vsvm_wait& args) {
        args.status = 99;
        return 0;
    });

    auto fault = faulting->wait();
    ASSERT_TRUE(fault) << fault.status().message();
    EXPECT_EQ(fault->status, JobStatus::Fault);
    EXPECT_EQ(fault->faultAddress, 0xdead000u);
    EXPECT_EQ(fault->faultAccess, Access::Write);
    EXPECT_EQ(fault->pc, 0x18u);
    EXPECT_EQ(fault->describe(), "fault: write at 0xdead000 (pc 0x18, command 0)");
    // The outcome is kept: a second wait asks the kernel nothing.
    EXPECT_EQ(faulting->wait().value(), *fault);

    auto invalid = invalidProgram->wait();
    ASSERT_TRUE(invalid) << invalid.status().message();
    EXPECT_EQ(invalid->status, JobStatus::InvalidProgram);
    EXPECT_EQ(invalid->isaError, VSVM_ISA_ERR_BRANCH);
    EXPECT_EQ(invalid->pc, 8u);

    auto unknown = unknownStatus->wait();
    ASSERT_TRUE(unknown) << unknown.status().message();
    EXPECT_EQ(unknown->status, JobStatus::Unknown);
    EXPECT_EQ(unknown->rawStatus, 99u);
}

TEST(JobStatus, EveryUapiStatusHasItsOwnValue)
{
    EXPECT_EQ(toString(JobStatus::Canceled), "canceled");
    EXPECT_EQ(toString(JobStatus::NoProcess), "process gone");
    EXPECT_EQ(toString(Access::Read), "read");
}

} // namespace
} // namespace vsvm
