// Test helpers that write Cap'n Proto wire words by hand, so hostile messages (bombs, broken
// segment tables, wrong field sizes) can be built without the generated types, which stay
// private to schema/. Layout facts used here come from `capnp compile -ocapnp schema/lls.capnp`
// and the encoding spec (https://capnproto.org/encoding.html).
#pragma once

#include <cstdint>
#include <cstring>
#include <vector>

#include "schema/messages.h"

namespace lls::test {

// List element sizes, as numbered in a list pointer.
enum ElementSize : uint8_t {
  kVoid = 0, kBit, kByte, kTwoBytes, kFourBytes, kEightBytes, kPointer, kComposite,
};

// A struct pointer at word `from` to a struct starting at word `to` (same segment).
inline uint64_t StructPtr(int64_t from, int64_t to, uint16_t data_words, uint16_t pointers) {
  const auto offset = static_cast<uint32_t>(static_cast<int32_t>(to - from - 1));
  return uint64_t{offset << 2} | uint64_t{data_words} << 32 | uint64_t{pointers} << 48;
}

// A list pointer at word `from` to a list starting at word `to` (same segment).
inline uint64_t ListPtr(int64_t from, int64_t to, ElementSize size, uint32_t count) {
  const auto offset = static_cast<uint32_t>(static_cast<int32_t>(to - from - 1));
  return uint64_t{(offset << 2) | 1u} | uint64_t{(count << 3) | size} << 32;
}

// A single far pointer to word `position` of segment `segment`; the target is a landing pad.
inline uint64_t FarPtr(uint32_t position, uint32_t segment) {
  return uint64_t{(position << 3) | 2u} | uint64_t{segment} << 32;
}

inline void PutLe32(Bytes& out, uint32_t v) {
  for (int i = 0; i < 4; ++i) out.push_back(static_cast<uint8_t>(v >> (8 * i)));
}
inline void PutLe64(Bytes& out, uint64_t v) {
  for (int i = 0; i < 8; ++i) out.push_back(static_cast<uint8_t>(v >> (8 * i)));
}

// A complete frame: segment table, then the segments' words.
inline Bytes Frame(const std::vector<std::vector<uint64_t>>& segments) {
  Bytes out;
  PutLe32(out, static_cast<uint32_t>(segments.size() - 1));
  for (const auto& s : segments) PutLe32(out, static_cast<uint32_t>(s.size()));
  if (segments.size() % 2 == 0) PutLe32(out, 0);  // pad the table to a whole word
  for (const auto& s : segments) {
    for (uint64_t w : s) PutLe64(out, w);
  }
  return out;
}

inline uint64_t WordAt(const Bytes& frame, size_t word) {
  uint64_t w = 0;
  std::memcpy(&w, frame.data() + 8 * word, 8);  // little-endian host, as everywhere here
  return w;
}
inline void SetWordAt(Bytes& frame, size_t word, uint64_t value) {
  std::memcpy(frame.data() + 8 * word, &value, 8);
}

// Frame word index of a single-segment frame's root pointer (after the one-word table).
inline constexpr size_t kRootWord = 1;

// For a struct pointer at frame word `ptr_word`: the frame word index of the struct's data.
inline size_t StructDataWord(const Bytes& frame, size_t ptr_word) {
  const uint64_t p = WordAt(frame, ptr_word);
  const auto offset = static_cast<int32_t>(static_cast<uint32_t>(p)) >> 2;
  return static_cast<size_t>(static_cast<int64_t>(ptr_word) + 1 + offset);
}

// For a struct pointer at frame word `ptr_word`: the frame word index of its pointer `k`.
inline size_t StructPointerWord(const Bytes& frame, size_t ptr_word, int k) {
  const uint64_t p = WordAt(frame, ptr_word);
  const auto data_words = static_cast<uint16_t>(p >> 32);
  return StructDataWord(frame, ptr_word) + data_words + static_cast<size_t>(k);
}

// Rewrites the element count of the byte list (Data/Text) pointed to from `ptr_word`.
inline void SetByteListCount(Bytes& frame, size_t ptr_word, uint32_t count) {
  const uint64_t p = WordAt(frame, ptr_word);
  SetWordAt(frame, ptr_word, (p & 0xFFFFFFFFu) | uint64_t{(count << 3) | kByte} << 32);
}

}  // namespace lls::test
