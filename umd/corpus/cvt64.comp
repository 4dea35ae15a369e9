#version 450
#extension GL_EXT_buffer_reference : require
#extension GL_EXT_shader_explicit_arithmetic_types_int64 : require
// The workgroup size comes from the manifest, as -DLOCAL_X=... -DLOCAL_Y=... -DLOCAL_Z=...
#if !defined(LOCAL_X) || !defined(LOCAL_Y) || !defined(LOCAL_Z)
#error "compile with -DLOCAL_X=, -DLOCAL_Y= and -DLOCAL_Z= (the manifest's local size)"
#endif
layout(local_size_x = LOCAL_X, local_size_y = LOCAL_Y, local_size_z = LOCAL_Z) in;
layout(buffer_reference, std430, buffer_reference_align = 4) buffer Floats { float v[]; };
layout(buffer_reference, std430, buffer_reference_align = 8) buffer Longs { int64_t v[]; };
layout(buffer_reference, std430, buffer_reference_align = 8) buffer Ulongs { uint64_t v[]; };
layout(push_constant) uniform Args { Floats f; Longs v; Longs fl; Ulongs fu; Floats lf; Floats uf; uint n; } args;

void main()
{
    uint i = gl_GlobalInvocationID.x;
    if (i >= args.n)
        return;
    args.fl.v[i] = int64_t(args.f.v[i]);
    args.fu.v[i] = uint64_t(abs(args.f.v[i]));
    args.lf.v[i] = float(args.v.v[i]);
    args.uf.v[i] = float(uint64_t(args.v.v[i]));
}
