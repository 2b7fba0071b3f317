// activations.wgsl: the element-wise activations g and their derivatives, selected by code (0 linear, 1 sigmoid,
// 2 relu, 3 tanh; softmax, 4, acts on rows: softmax.wgsl). No bindings. The codes match `activationCode` in
// src/model/activations.ts.

// Both act on four elements at once; a single element is `activate(code, vec4f(z)).x`.
fn activate(code: u32, z: vec4f) -> vec4f {
  switch code {
    case 1u: { return 1.0 / (1.0 + exp(-z)); } // σ(z)
    case 2u: { return max(z, vec4f()); }       // relu(z)
    case 3u: { return tanh(clamp(z, vec4f(-15.0), vec4f(15.0))); } // tanh(z); |z| > 15 is ±1 in float32 anyway
    default: { return z; }                     // linear
  }
}

// g'(z), written in terms of the activation a = g(z).
fn derivative(code: u32, a: vec4f) -> vec4f {
  switch code {
    case 1u: { return a * (1.0 - a); }
    case 2u: { return select(vec4f(), vec4f(1.0), a > vec4f()); }
    case 3u: { return 1.0 - a * a; }
    default: { return vec4f(1.0); }
  }
}
