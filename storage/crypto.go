package storage

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"errors"
	"fmt"
)

// DataKeySize is the length of Options.DataKey.
const DataKeySize = 32

// Stored ciphertexts are keyID(1) || nonce(12) || AES-256-GCM(plaintext) with the column name as
// additional data, so a value copied into another column does not decrypt.
const nonceSize = 12

// sealer encrypts personal data and computes the lookup hashes. New values and hashes use the current
// key; the old keys still open values and match hashes written before a rotation, until `baton keys
// rotate` has moved everything to the current key.
type sealer struct {
	current     aeadKey
	old         []aeadKey
	hashKey     []byte
	oldHashKeys [][]byte
}

type aeadKey struct {
	id   byte
	aead cipher.AEAD
}

func newSealer(key []byte, old [][]byte) (*sealer, error) {
	cur, err := newAEADKey(key)
	if err != nil {
		return nil, err
	}
	s := &sealer{current: cur, hashKey: derive(key, "baton lookup hash v1")}
	for i, k := range old {
		ok, err := newAEADKey(k)
		if err != nil {
			return nil, fmt.Errorf("old data key %d: %w", i, err)
		}
		s.old = append(s.old, ok)
		s.oldHashKeys = append(s.oldHashKeys, derive(k, "baton lookup hash v1"))
	}
	return s, nil
}

func newAEADKey(key []byte) (aeadKey, error) {
	if len(key) != DataKeySize {
		return aeadKey{}, fmt.Errorf("storage: the data key must be %d bytes, got %d", DataKeySize, len(key))
	}
	block, err := aes.NewCipher(derive(key, "baton encryption v1"))
	if err != nil {
		return aeadKey{}, fmt.Errorf("storage: create cipher: %w", err)
	}
	aead, err := cipher.NewGCM(block)
	if err != nil {
		return aeadKey{}, fmt.Errorf("storage: create gcm: %w", err)
	}
	// The id only narrows which key to try first; decryption still authenticates, so a collision between
	// two keys' ids costs one extra attempt, never a wrong plaintext.
	id := derive(key, "baton key id v1")[0]
	return aeadKey{id: id, aead: aead}, nil
}

// derive returns HMAC-SHA256(key, label): independent subkeys from the one configured key.
func derive(key []byte, label string) []byte {
	m := hmac.New(sha256.New, key)
	m.Write([]byte(label))
	return m.Sum(nil)
}

// seal encrypts plaintext for column; an empty plaintext is stored as NULL (nil).
func (s *sealer) seal(column, plaintext string) ([]byte, error) {
	if plaintext == "" {
		return nil, nil
	}
	out := make([]byte, 1+nonceSize, 1+nonceSize+len(plaintext)+s.current.aead.Overhead())
	out[0] = s.current.id
	if _, err := rand.Read(out[1 : 1+nonceSize]); err != nil {
		return nil, fmt.Errorf("read nonce: %w", err)
	}
	return s.current.aead.Seal(out, out[1:1+nonceSize], []byte(plaintext), []byte(column)), nil
}

var errUndecryptable = errors.New("storage: personal data does not decrypt with any configured data key")

// open decrypts a value written by seal under the current or an old key.
func (s *sealer) open(column string, stored []byte) (string, error) {
	if len(stored) == 0 {
		return "", nil
	}
	if len(stored) < 1+nonceSize {
		return "", errUndecryptable
	}
	id, nonce, ct := stored[0], stored[1:1+nonceSize], stored[1+nonceSize:]
	keys := append([]aeadKey{s.current}, s.old...)
	for pass := 0; pass < 2; pass++ {
		for _, k := range keys {
			if (pass == 0) != (k.id == id) {
				continue
			}
			if pt, err := k.aead.Open(nil, nonce, ct, []byte(column)); err == nil {
				return string(pt), nil
			}
		}
	}
	return "", errUndecryptable
}

// hash returns the keyed lookup hash of a normalised value, or nil for an empty one (NULL never collides
// in a unique index).
func (s *sealer) hash(kind, value string) []byte {
	if value == "" {
		return nil
	}
	return lookupHash(s.hashKey, kind, value)
}

// hashes returns the value's lookup hash under the current key and then under each old key: a customer
// stored before a rotation is found by any of them.
func (s *sealer) hashes(kind, value string) [][]byte {
	if value == "" {
		return nil
	}
	out := [][]byte{s.hash(kind, value)}
	for _, k := range s.oldHashKeys {
		out = append(out, lookupHash(k, kind, value))
	}
	return out
}

// rotating reports whether old keys are configured, so values may still sit under one of them.
func (s *sealer) rotating() bool { return len(s.old) > 0 }

// isCurrent reports whether stored was sealed with the current key (nil, an empty value, counts as current).
func (s *sealer) isCurrent(column string, stored []byte) bool {
	if len(stored) == 0 {
		return true
	}
	if len(stored) < 1+nonceSize || stored[0] != s.current.id {
		return false
	}
	_, err := s.current.aead.Open(nil, stored[1:1+nonceSize], stored[1+nonceSize:], []byte(column))
	return err == nil
}

func lookupHash(key []byte, kind, value string) []byte {
	m := hmac.New(sha256.New, key)
	m.Write([]byte(kind))
	m.Write([]byte{0})
	m.Write([]byte(value))
	return m.Sum(nil)
}
