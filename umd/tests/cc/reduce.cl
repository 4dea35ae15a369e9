// Workgroup reduction through __local memory and barriers, then one atomic
// per workgroup into the total.
kernel void reduce(global const uint* in, global uint* partial, global uint* total, uint n)
{
    local uint scratch[64];
    size_t lid = get_local_id(0);
    size_t gid = get_global_id(0);
    scratch[lid] = gid < n ? in[gid] : 0;
    barrier(CLK_LOCAL_MEM_FENCE);
    for (uint stride = get_local_size(0) / 2; stride > 0; stride /= 2) {
        if (lid < stride)
            scratch[lid] += scratch[lid + stride];
        barrier(CLK_LOCAL_MEM_FENCE);
    }
    if (lid == 0) {
        partial[get_group_id(0)] = scratch[0];
        atomic_add(total, scratch[0]);
    }
}
