#version 450
#extension GL_EXT_buffer_reference : require
#extension GL_EXT_shader_explicit_arithmetic_types_int64 : require
// The workgroup size comes from the manifest, as -DLOCAL_X=... -DLOCAL_Y=... -DLOCAL_Z=...
#if !defined(LOCAL_X) || !defined(LOCAL_Y) || !defined(LOCAL_Z)
#error "compile with -DLOCAL_X=, -DLOCAL_Y= and -DLOCAL_Z= (the manifest's local size)"
#endif
layout(local_size_x = LOCAL_X, local_size_y = LOCAL_Y, local_size_z = LOCAL_Z) in;
layout(buffer_reference) buffer TNode;
layout(buffer_reference, std430, buffer_reference_align = 8) coherent buffer TNode { TNode left; TNode right; uint value; };
layout(buffer_reference, std430, buffer_reference_align = 8) coherent buffer TNodes { TNode v[]; };
layout(buffer_reference, std430, buffer_reference_align = 4) buffer Uints { uint v[]; };
layout(push_constant) uniform Args { uint64_t pool; Uints counter; TNodes slots; Uints keys; TNodes root; uint n; } args;

void main()
{
    uint l = gl_LocalInvocationID.x, size = gl_WorkGroupSize.x;
    for (uint i = l; i < args.n; i += size) {
        uint index = atomicAdd(args.counter.v[0], 1u);
        TNode t = TNode(args.pool + uint64_t(index) * 24);
        t.value = args.keys.v[i];
        args.slots.v[i] = t;
    }
    memoryBarrier();
    barrier();
    for (uint i = l; i < args.n; i += size) {
        TNode t = args.slots.v[i];
        t.left = 2 * i + 1 < args.n ? args.slots.v[2 * i + 1] : TNode(uint64_t(0));
        t.right = 2 * i + 2 < args.n ? args.slots.v[2 * i + 2] : TNode(uint64_t(0));
    }
    if (l == 0)
        args.root.v[0] = args.slots.v[0];
}
