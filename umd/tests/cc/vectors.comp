#version 450
#extension GL_EXT_buffer_reference : require
// Vectors are scalarised: loads and stores of vec4, swizzles, vector-scalar
// products, dot, componentwise clamp and compares.
layout(local_size_x = 16) in;
layout(buffer_reference, std430) buffer Vecs { vec4 v[]; };
layout(buffer_reference, std430) buffer Floats { float v[]; };
layout(push_constant) uniform Args { Vecs a; Vecs b; Floats dots; uint n; } args;
void main()
{
    uint i = gl_GlobalInvocationID.x;
    if (i >= args.n)
        return;
    vec4 x = args.a.v[i];
    vec4 y = args.b.v[i];
    vec4 z = x * 2.0 + y.wzyx;
    args.dots.v[i] = dot(z, y);
    bvec4 big = greaterThan(z, vec4(1.0));
    args.b.v[i] = mix(clamp(z, -1.0, 1.0), vec4(9.0), big);
}
