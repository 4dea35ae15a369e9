// SPDX-License-Identifier: MIT
// Copyright (c) 2026 The vsvm authors

// The kernels of opencl-svm-pointers: they follow pointers that the host
// stored inside malloc'd data (fine-grain system SVM), with no buffer object.
// Built as OpenCL C 2.0 or 3.0; only global pointers, while loops and
// structs of pointers and integers, which every SVM compiler takes.

// The host's struct ListNode: 8 bytes of value, then the next pointer.
typedef struct list_node {
    long value;
    global struct list_node *next;
} list_node;

// The host's struct TreeNode.
typedef struct tree_node {
    global struct tree_node *left;
    global struct tree_node *right;
    int key;
    int value;
} tree_node;

// Work-item i of G walks the whole list from the head and sums the values at
// the positions p with p % G == i: every item follows every pointer, so a
// wrong link anywhere changes every sum.
kernel void list_sum(global const list_node *head, global long *sums)
{
    uint i = (uint)get_global_id(0);
    uint items = (uint)get_global_size(0);
    long sum = 0;
    uint position = 0;
    global const list_node *node = head;

    while (node) {
        if (position % items == i)
            sum += node->value;
        node = node->next;
        position++;
    }
    sums[i] = sum;
}

// Work-item i looks queries[i] up by descending from the root (a loop: the
// device has no call stack to spend on recursion) and writes the value
// found, or -1.
kernel void tree_lookup(global const tree_node *root, global const int *queries, global int *results, uint count)
{
    uint i = (uint)get_global_id(0);

    if (i >= count)
        return;
    int key = queries[i];
    int found = -1;
    global const tree_node *node = root;

    while (node) {
        if (key == node->key) {
            found = node->value;
            break;
        }
        node = key < node->key ? node->left : node->right;
    }
    results[i] = found;
}
