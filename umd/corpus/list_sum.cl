// Sum of each linked list: heads[i] points at nodes {next, value} that
// live anywhere in the pool (pointers inside the data).
typedef struct node {
    __global struct node* next;
    uint value;
} node;

// OpenCL C 1.2 kernels take no pointer to a pointer: the heads are structs
// holding one pointer.
typedef struct {
    __global node* p;
} node_ref;

__kernel void list_sum(__global const node_ref* heads, __global uint* sums, uint lists)
{
    uint i = get_global_id(0);
    if (i >= lists)
        return;
    uint sum = 0;
    for (__global node* p = heads[i].p; p; p = p->next)
        sum += p->value;
    sums[i] = sum;
}
