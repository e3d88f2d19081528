// Private to schema/: Body <-> generated Cap'n Proto types. Used only by codec.cpp, which
// owns framing, limits and exception handling; see schema/codec.h for the public contract.
#pragma once

#include "lls.capnp.h"
#include "schema/codec.h"
#include "schema/messages.h"

namespace lls::codec_internal {

// Fills `out` with the union member matching the variant's alternative.
void BodyToWire(const Body& body, wire::Body::Builder out);

// kUnsupportedKind for a union member this build does not know, kMalformed for fields of the
// wrong size or non-UTF-8 text. Cap'n Proto's own errors propagate as kj::Exception.
WireResult<Body> BodyFromWire(wire::Body::Reader in);

}  // namespace lls::codec_internal
