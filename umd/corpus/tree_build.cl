// Build a binary tree from a node pool: every work-item takes nodes with an
// atomic counter (so their places in the pool vary), then links node i to
// nodes 2i+1 and 2i+2 by pointer; root[0] gets the root. The CPU walks it.
typedef struct tnode {
    __global struct tnode* left;
    __global struct tnode* right;
    uint value;
} tnode;

// OpenCL C 1.2 kernels take no pointer to a pointer: slots and root are
// structs holding one pointer.
typedef struct {
    __global tnode* p;
} tnode_ref;

__kernel void tree_build(__global tnode* pool, __global uint* counter, __global tnode_ref* slots,
                         __global const uint* keys, __global tnode_ref* root, uint n)
{
    uint l = get_local_id(0), size = get_local_size(0);
    for (uint i = l; i < n; i += size) {
        __global tnode* t = &pool[atomic_inc(counter)];
        t->value = keys[i];
        slots[i].p = t;
    }
    barrier(CLK_GLOBAL_MEM_FENCE);
    for (uint i = l; i < n; i += size) {
        __global tnode* t = slots[i].p;
        t->left = 2 * i + 1 < n ? slots[2 * i + 1].p : 0;
        t->right = 2 * i + 2 < n ? slots[2 * i + 2].p : 0;
    }
    if (l == 0)
        root[0].p = slots[0].p;
}
