// Breadth-first search levels from node 0 over a graph whose nodes hold a
// pointer to their array of neighbour pointers; one workgroup walks the
// levels, meeting at barriers. iters[0] gets the number of levels.
typedef struct node {
    __global struct node* __global* adj;
    uint degree;
    int level;
} node;

__kernel void bfs(__global node* nodes, uint n, __global uint* iters)
{
    __local int changed;
    uint l = get_local_id(0), size = get_local_size(0);
    int level = 0;
    for (;;) {
        if (l == 0)
            changed = 0;
        barrier(CLK_LOCAL_MEM_FENCE | CLK_GLOBAL_MEM_FENCE);
        for (uint v = l; v < n; v += size) {
            if (nodes[v].level != level)
                continue;
            for (uint e = 0; e < nodes[v].degree; e++) {
                __global node* u = nodes[v].adj[e];
                if (atomic_cmpxchg(&u->level, -1, level + 1) == -1)
                    changed = 1;
            }
        }
        barrier(CLK_LOCAL_MEM_FENCE | CLK_GLOBAL_MEM_FENCE);
        int more = changed;
        barrier(CLK_LOCAL_MEM_FENCE);
        if (!more)
            break;
        level++;
    }
    if (l == 0)
        iters[0] = level;
}
