// SPDX-License-Identifier: MIT
// Copyright (c) 2026 The vsvm authors

// The sum of each of many linked lists, one device lane per list, walking
// nodes that are each malloc'd on their own: the device follows the CPU's
// pointers from node to node, wherever malloc put them.
// Usage: list_sum [--lists N] [--length M]   (default 4096 lists of 256 nodes)

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <vector>

#include "example.h"
#include "vsvm/runtime.h"

// The layout list_sum.vsa walks: next at offset 0, value at offset 8.
struct Node {
    Node* next;
    uint32_t value;
};

int main(int argc, char** argv)
{
    example::Options options(argc, argv, {"--lists", "--length"},
                             "[--lists N] [--length M] [--lang asm|opencl|glsl]   (N lists of M nodes; "
                             "default 4096 x 256; the kernel in vsvm assembly, OpenCL C or GLSL, default asm)",
                             {{"--lang", {"asm", "opencl", "glsl"}}});
    const uint32_t lists = static_cast<uint32_t>(options.get("--lists", 4096));
    const uint32_t length = static_cast<uint32_t>(options.get("--length", 256));

    const uint32_t lanes = 64;
    vsvm::Kernel kernel = example::loadKernel("list_sum", "list_sum", options.word("--lang", "asm"), lanes);
    vsvm::Device device = example::check("list_sum", vsvm::Device::open(0));
    vsvm::Vm vm = example::check("list_sum", vsvm::Vm::create(device));

    // The kernel has no bound check: every lane of the grid walks heads[i],
    // so the lanes past the last list get empty lists (nullptr).
    const uint32_t groups = (lists + lanes - 1) / lanes;
    std::vector<Node*> heads(std::size_t{groups} * lanes, nullptr);
    std::vector<uint32_t> sums(heads.size(), 0xdeadbeef);
    std::vector<uint32_t> expected(heads.size(), 0);
    for (uint32_t list = 0; list < lists; list++) {
        for (uint32_t i = 0; i < length; i++) {
            auto* node = static_cast<Node*>(std::malloc(sizeof(Node)));
            if (!node) {
                std::fprintf(stderr, "list_sum: out of memory\n");
                return 1;
            }
            node->value = list * 7 + i * 3 + 1;
            node->next = heads[list];
            heads[list] = node;
            expected[list] += node->value;
        }
    }

    auto start = std::chrono::steady_clock::now();
    vsvm::Fence job = example::check("list_sum", vsvm::ComputeQueue(vm).launch(kernel, {groups}, {lanes},
                                                                               heads.data(), sums.data()));
    example::check("list_sum", job.waitOk());
    auto elapsed = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start);

    uint32_t wrong = 0;
    for (std::size_t list = 0; list < heads.size(); list++)
        wrong += sums[list] != expected[list];
    std::printf("list_sum: %u lists of %u malloc'd nodes, %s (%u wrong), %.1f ms on the device\n", lists,
                length, wrong ? "FAILED" : "ok", wrong, elapsed.count());
    example::printCounters("list_sum", vm);

    for (Node* head : heads) {
        while (head) {
            Node* next = head->next;
            std::free(head);
            head = next;
        }
    }
    return wrong ? 1 : 0;
}
