// Per-lane linked-list walk: pointers in memory, a loop with divergent trip
// counts, 64-bit values.
struct node {
    global struct node* next;
    uint value;
};

kernel void list(global const ulong* heads, global ulong* sums, uint n)
{
    size_t i = get_global_id(0);
    if (i >= n)
        return;
    ulong sum = 0;
    for (global struct node* p = (global struct node*)heads[i]; p; p = p->next)
        sum += (ulong)p->value * (i + 1);
    sums[i] = sum;
}
