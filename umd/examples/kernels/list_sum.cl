// SPDX-License-Identifier: MIT
// Each lane sums its own linked list of malloc'd nodes (list_sum --lang opencl):
// the device follows the CPU's pointers stored inside the data. (A kernel
// parameter cannot point to pointers in OpenCL C: the heads are addresses.)
typedef struct node {
	global struct node *next;
	uint value;
} node;

kernel void list_sum(global const ulong *heads, global uint *sums)
{
	size_t i = get_global_id(0);
	uint sum = 0;

	for (global node *n = (global node *)heads[i]; n; n = n->next)
		sum += n->value;
	sums[i] = sum;
}
