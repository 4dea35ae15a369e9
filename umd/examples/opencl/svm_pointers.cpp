// SPDX-License-Identifier: MIT
// Copyright (c) 2026 The vsvm authors

// Pointer-linked data built with plain new and malloc, handed to an OpenCL
// kernel as it is: a linked list whose nodes lie in a shuffled order in
// memory, and a binary search tree. No buffer object is created; the kernels
// get the root pointers with clSetKernelArgSVMPointer and follow the links
// the CPU wrote, which needs fine-grain system SVM
// (CL_DEVICE_SVM_FINE_GRAIN_SYSTEM). Without such a device the program says
// so on one line and exits 77 (automake's status for a skipped test).
// Usage: opencl-svm-pointers [--nodes N] [--queries M]

#define CL_TARGET_OPENCL_VERSION 300
#include <CL/cl.h>

#include <algorithm>
#include <cctype>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <map>
#include <memory>
#include <numeric>
#include <random>
#include <string>
#include <vector>

#include "cl_helpers.h"

namespace {

constexpr const char* kProgram = "opencl-svm-pointers";

// svm_pointers.cl, embedded by CMake as a raw string literal.
constexpr const char kSource[] =
#include "svm_pointers_cl.inc"
    ;

// The layouts the kernels declare (svm_pointers.cl).
struct ListNode {
    int64_t value;
    ListNode* next;
};

struct TreeNode {
    TreeNode* left;
    TreeNode* right;
    int32_t key;
    int32_t value;
};

// Work-items of list_sum: each walks the whole list.
constexpr size_t kListItems = 64;
constexpr size_t kLanes = 64;

// An array of malloc: the memory the kernels read and write is the C
// library's, not the OpenCL implementation's.
template <typename T>
struct Free {
    void operator()(T* p) const { std::free(p); }
};
template <typename T>
using MallocArray = std::unique_ptr<T[], Free<T>>;

template <typename T>
MallocArray<T> mallocArray(size_t count)
{
    MallocArray<T> array(static_cast<T*>(std::malloc(count * sizeof(T))));
    if (!array) {
        std::fprintf(stderr, "%s: out of memory for %zu bytes\n", kProgram, count * sizeof(T));
        std::exit(1);
    }
    return array;
}

[[noreturn]] void usage(const char* argv0, int status)
{
    std::fprintf(status ? stderr : stdout,
                 "usage: %s [--nodes N] [--queries M]   (N list nodes, default 10000; M tree keys and as "
                 "many lookups, default 10000)\n",
                 argv0);
    std::exit(status);
}

struct Options {
    size_t nodes = 10000;
    size_t queries = 10000;
};

Options parseOptions(int argc, char** argv)
{
    Options options;
    for (int i = 1; i < argc; i += 2) {
        if (std::strcmp(argv[i], "--help") == 0 || std::strcmp(argv[i], "-h") == 0)
            usage(argv[0], 0);
        size_t* target = std::strcmp(argv[i], "--nodes") == 0     ? &options.nodes
                         : std::strcmp(argv[i], "--queries") == 0 ? &options.queries
                                                                  : nullptr;
        const char* text = i + 1 < argc ? argv[i + 1] : nullptr;
        char* end = nullptr;
        unsigned long long value = text ? std::strtoull(text, &end, 10) : 0;
        // The queries' keys are ints, and the list's positions uints on the device.
        if (!target || !text || *end || value == 0 || value > 100'000'000 || !std::isdigit(text[0])) {
            std::fprintf(stderr, "%s: bad option '%s%s%s'\n", argv[0], argv[i], text ? " " : "", text ? text : "");
            usage(argv[0], 2);
        }
        *target = static_cast<size_t>(value);
    }
    return options;
}

std::string capabilityNames(cl_device_svm_capabilities caps)
{
    static const std::pair<cl_device_svm_capabilities, const char*> names[] = {
        {CL_DEVICE_SVM_COARSE_GRAIN_BUFFER, "COARSE_GRAIN_BUFFER"},
        {CL_DEVICE_SVM_FINE_GRAIN_BUFFER, "FINE_GRAIN_BUFFER"},
        {CL_DEVICE_SVM_FINE_GRAIN_SYSTEM, "FINE_GRAIN_SYSTEM"},
        {CL_DEVICE_SVM_ATOMICS, "ATOMICS"},
    };
    std::string text;
    for (const auto& [bit, name] : names) {
        if (caps & bit) {
            text += text.empty() ? "" : "|";
            text += name;
            caps &= ~bit;
        }
    }
    if (caps) {
        char rest[32];
        std::snprintf(rest, sizeof rest, "%s0x%llx", text.empty() ? "" : "|", static_cast<unsigned long long>(caps));
        text += rest;
    }
    return text.empty() ? "none" : text;
}

struct Choice {
    cl_device_id device = nullptr;
    std::string name; // "platform/device"
};

// The first device with fine-grain system SVM, or exit 77 with one line that
// lists what every device has instead.
Choice chooseDevice()
{
    std::string seen;
    auto note = [&](const std::string& text) { seen += (seen.empty() ? "" : "; ") + text; };
    cl_uint platformCount = 0;
    cl_int err = clGetPlatformIDs(0, nullptr, &platformCount);
    std::vector<cl_platform_id> platforms(err == CL_SUCCESS ? platformCount : 0);
    if (!platforms.empty())
        check(clGetPlatformIDs(platformCount, platforms.data(), nullptr), "clGetPlatformIDs");
    if (platforms.empty())
        note("no OpenCL platform (clGetPlatformIDs: " + std::to_string(err) + ")");
    for (cl_platform_id platform : platforms) {
        std::string platformName = platformString(platform, CL_PLATFORM_NAME);
        cl_uint deviceCount = 0;
        err = clGetDeviceIDs(platform, CL_DEVICE_TYPE_ALL, 0, nullptr, &deviceCount);
        if (err != CL_SUCCESS || deviceCount == 0) {
            note(platformName + ": no device (clGetDeviceIDs: " + std::to_string(err) + ")");
            continue;
        }
        std::vector<cl_device_id> devices(deviceCount);
        check(clGetDeviceIDs(platform, CL_DEVICE_TYPE_ALL, deviceCount, devices.data(), nullptr), "clGetDeviceIDs");
        for (cl_device_id device : devices) {
            std::string name = platformName + "/" + deviceString(device, CL_DEVICE_NAME);
            cl_device_svm_capabilities caps = 0;
            // An OpenCL 1.x device does not know the query: no SVM at all.
            if (clGetDeviceInfo(device, CL_DEVICE_SVM_CAPABILITIES, sizeof caps, &caps, nullptr) != CL_SUCCESS)
                caps = 0;
            if (caps & CL_DEVICE_SVM_FINE_GRAIN_SYSTEM)
                return {device, name};
            note(name + ": " + capabilityNames(caps));
        }
    }
    std::fprintf(stderr,
                 "%s: needs fine-grained system SVM (CL_DEVICE_SVM_FINE_GRAIN_SYSTEM); no device has it: %s\n",
                 kProgram, seen.c_str());
    std::exit(77);
}

// A list of @p count nodes, each allocated by new in list order but linked
// in a shuffled one, so that following next jumps around the heap.
struct List {
    std::vector<std::unique_ptr<ListNode>> nodes;
    ListNode* head = nullptr;
};

List makeList(size_t count, std::mt19937_64& random)
{
    List list;
    std::uniform_int_distribution<int64_t> values(-(int64_t{1} << 40), int64_t{1} << 40);
    for (size_t i = 0; i < count; i++)
        list.nodes.push_back(std::unique_ptr<ListNode>(new ListNode{values(random), nullptr}));
    std::vector<size_t> order(count);
    std::iota(order.begin(), order.end(), 0);
    std::shuffle(order.begin(), order.end(), random);
    for (size_t k = 0; k + 1 < count; k++)
        list.nodes[order[k]]->next = list.nodes[order[k + 1]].get();
    list.head = list.nodes[order[0]].get();
    return list;
}

// A binary search tree of @p count distinct odd keys inserted in a random
// order, with the value of each key in @p expected as well.
struct Tree {
    std::vector<std::unique_ptr<TreeNode>> nodes;
    TreeNode* root = nullptr;
    std::map<int32_t, int32_t> expected;
};

Tree makeTree(size_t count, std::mt19937_64& random)
{
    Tree tree;
    std::vector<int32_t> keys(count);
    for (size_t i = 0; i < count; i++)
        keys[i] = static_cast<int32_t>(2 * i + 1);
    std::shuffle(keys.begin(), keys.end(), random);
    std::uniform_int_distribution<int32_t> values(0, INT32_MAX);
    for (int32_t key : keys) {
        tree.nodes.push_back(std::unique_ptr<TreeNode>(new TreeNode{nullptr, nullptr, key, values(random)}));
        TreeNode* node = tree.nodes.back().get();
        tree.expected[key] = node->value;
        TreeNode** link = &tree.root;
        while (*link)
            link = key < (*link)->key ? &(*link)->left : &(*link)->right;
        *link = node;
    }
    return tree;
}

Program build(cl_context context, cl_device_id device)
{
    const char* source = kSource;
    cl_int err = CL_SUCCESS;
    Program program(clCreateProgramWithSource(context, 1, &source, nullptr, &err));
    check(err, "clCreateProgramWithSource");
    // SVM came with OpenCL 2.0, so the device compiles OpenCL C 2.0 or 3.0.
    std::string version = deviceString(device, CL_DEVICE_VERSION);
    const char* options = version.starts_with("OpenCL 2.") ? "-cl-std=CL2.0" : "-cl-std=CL3.0";
    err = clBuildProgram(program.get(), 1, &device, options, nullptr, nullptr);
    if (err != CL_SUCCESS) {
        size_t size = 0;
        clGetProgramBuildInfo(program.get(), device, CL_PROGRAM_BUILD_LOG, 0, nullptr, &size);
        std::string log(size, '\0');
        clGetProgramBuildInfo(program.get(), device, CL_PROGRAM_BUILD_LOG, size, log.data(), nullptr);
        std::fprintf(stderr, "%s: clBuildProgram (%s) failed: OpenCL error %d\n%s\n", kProgram, options, err,
                     log.c_str());
        std::exit(1);
    }
    return program;
}

Kernel kernel(cl_program program, const char* name)
{
    cl_int err = CL_SUCCESS;
    Kernel k(clCreateKernel(program, name, &err));
    check(err, "clCreateKernel");
    // The kernel reaches memory through pointers that are not its arguments.
    cl_bool system = CL_TRUE;
    check(clSetKernelExecInfo(k.get(), CL_KERNEL_EXEC_INFO_SVM_FINE_GRAIN_SYSTEM, sizeof system, &system),
          "clSetKernelExecInfo");
    return k;
}

void run(cl_command_queue queue, cl_kernel k, size_t global, const size_t* local, const char* name)
{
    cl_event raw = nullptr;
    check(clEnqueueNDRangeKernel(queue, k, 1, nullptr, &global, local, 0, nullptr, &raw), name);
    Event done(raw);
    // A kernel that faults (a wrong pointer) ends with a negative status,
    // which the wait reports as an error of the wait list: ask the event.
    cl_int waited = clWaitForEvents(1, &raw);
    cl_int status = 1;
    check(clGetEventInfo(raw, CL_EVENT_COMMAND_EXECUTION_STATUS, sizeof status, &status, nullptr), "clGetEventInfo");
    if (status != CL_COMPLETE || waited != CL_SUCCESS) {
        std::fprintf(stderr, "%s: kernel %s failed: event status %d, clWaitForEvents %d\n", kProgram, name, status,
                     waited);
        std::exit(1);
    }
}

} // namespace

int main(int argc, char** argv)
{
    Options options = parseOptions(argc, argv);
    Choice choice = chooseDevice();
    cl_device_id device = choice.device;

    // The kernels read the host's structs: the pointers must be as wide.
    cl_uint addressBits = 0;
    check(clGetDeviceInfo(device, CL_DEVICE_ADDRESS_BITS, sizeof addressBits, &addressBits, nullptr),
          "clGetDeviceInfo");
    if (addressBits != 8 * sizeof(void*)) {
        std::fprintf(stderr, "%s: %s: %u-bit device pointers, the host's are %zu-bit\n", kProgram,
                     choice.name.c_str(), addressBits, 8 * sizeof(void*));
        return 1;
    }

    cl_int err = CL_SUCCESS;
    Context context(clCreateContext(nullptr, 1, &device, nullptr, nullptr, &err));
    check(err, "clCreateContext");
    Queue queue(clCreateCommandQueueWithProperties(context.get(), device, nullptr, &err));
    check(err, "clCreateCommandQueueWithProperties");
    Program program = build(context.get(), device);
    Kernel listSum = kernel(program.get(), "list_sum");
    Kernel treeLookup = kernel(program.get(), "tree_lookup");

    // A fixed seed: a failure can be reproduced.
    std::mt19937_64 random(16);
    List list = makeList(options.nodes, random);
    Tree tree = makeTree(options.queries, random);

    // The list: each work-item sums every kListItems-th value.
    MallocArray<int64_t> sums = mallocArray<int64_t>(kListItems);
    check(clSetKernelArgSVMPointer(listSum.get(), 0, list.head), "clSetKernelArgSVMPointer");
    check(clSetKernelArgSVMPointer(listSum.get(), 1, sums.get()), "clSetKernelArgSVMPointer");
    run(queue.get(), listSum.get(), kListItems, &kLanes, "list_sum");

    std::vector<int64_t> expectedSums(kListItems, 0);
    size_t position = 0;
    for (const ListNode* node = list.head; node; node = node->next, position++)
        expectedSums[position % kListItems] += node->value;
    for (size_t i = 0; i < kListItems; i++) {
        if (sums[i] != expectedSums[i]) {
            std::fprintf(stderr, "%s: %s: list_sum: item %zu: %lld, expected %lld\n", kProgram,
                         choice.name.c_str(), i, static_cast<long long>(sums[i]),
                         static_cast<long long>(expectedSums[i]));
            return 1;
        }
    }

    // The tree: odd keys are in it, even ones are not, so about half the
    // lookups miss.
    const size_t count = options.queries;
    MallocArray<int32_t> queries = mallocArray<int32_t>(count);
    MallocArray<int32_t> results = mallocArray<int32_t>(count);
    std::uniform_int_distribution<int32_t> keys(0, static_cast<int32_t>(2 * count));
    for (size_t i = 0; i < count; i++) {
        queries[i] = keys(random);
        results[i] = -2;
    }
    cl_uint countArg = static_cast<cl_uint>(count);
    check(clSetKernelArgSVMPointer(treeLookup.get(), 0, tree.root), "clSetKernelArgSVMPointer");
    check(clSetKernelArgSVMPointer(treeLookup.get(), 1, queries.get()), "clSetKernelArgSVMPointer");
    check(clSetKernelArgSVMPointer(treeLookup.get(), 2, results.get()), "clSetKernelArgSVMPointer");
    check(clSetKernelArg(treeLookup.get(), 3, sizeof countArg, &countArg), "clSetKernelArg");
    run(queue.get(), treeLookup.get(), (count + kLanes - 1) / kLanes * kLanes, &kLanes, "tree_lookup");

    size_t found = 0;
    for (size_t i = 0; i < count; i++) {
        auto hit = tree.expected.find(queries[i]);
        int32_t expected = hit == tree.expected.end() ? -1 : hit->second;
        found += hit != tree.expected.end();
        if (results[i] != expected) {
            std::fprintf(stderr, "%s: %s: tree_lookup: query %zu (key %d): %d, expected %d\n", kProgram,
                         choice.name.c_str(), i, queries[i], results[i], expected);
            return 1;
        }
    }

    std::printf("%s: %s: list of %zu nodes summed by %zu work-items, %zu lookups in a tree of %zu keys "
                "(%zu found): ok\n",
                kProgram, choice.name.c_str(), options.nodes, kListItems, count, count, found);
    return 0;
}
