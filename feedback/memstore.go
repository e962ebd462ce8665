package feedback

import (
	"context"
	"iter"
	"sync"
)

// MemoryStore is a [Store] that keeps signals in memory, for tests and short
// programs: nothing survives the process. It stores and returns copies, as a
// FileStore would: Time in UTC, empty Labels as nil. A signal whose ID is
// already stored is not stored again. The zero MemoryStore is empty and
// ready to use; any of its methods may be called concurrently.
type MemoryStore struct {
	mu      sync.RWMutex
	signals []Signal
	ids     map[string]struct{}
	closed  bool
}

// NewMemoryStore returns an empty MemoryStore.
func NewMemoryStore() *MemoryStore { return &MemoryStore{} }

// Append stores copies of the signals, or none if one is invalid. A signal
// whose ID is stored, or earlier in the batch, is left out: retrying an
// Append is safe.
func (m *MemoryStore) Append(ctx context.Context, signals ...Signal) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	if err := validate(signals); err != nil {
		return err
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.closed {
		return ErrClosed
	}
	if m.ids == nil {
		m.ids = make(map[string]struct{})
	}
	for _, s := range signals {
		if _, dup := m.ids[s.ID]; dup {
			continue
		}
		m.ids[s.ID] = struct{}{}
		m.signals = append(m.signals, s.normalize())
	}
	return nil
}

// Query streams copies of the signals that match f, in the order they were
// appended. It sees the signals appended before it was called, not those
// appended while it runs. The only errors it yields are ctx's and
// ErrClosed.
func (m *MemoryStore) Query(ctx context.Context, f Filter) iter.Seq2[Signal, error] {
	return func(yield func(Signal, error) bool) {
		// Stored signals are never modified, and appends never write below
		// len: the snapshot can be read without the lock.
		m.mu.RLock()
		snapshot := m.signals[:len(m.signals):len(m.signals)]
		closed := m.closed
		m.mu.RUnlock()
		if closed {
			yield(Signal{}, ErrClosed)
			return
		}
		for i, s := range snapshot {
			if i%256 == 0 {
				if err := ctx.Err(); err != nil {
					yield(Signal{}, err)
					return
				}
			}
			if f.Match(s) && !yield(s.normalize(), nil) {
				return
			}
		}
	}
}

// Len returns the number of signals stored.
func (m *MemoryStore) Len() int {
	m.mu.RLock()
	defer m.mu.RUnlock()
	return len(m.signals)
}

// Close empties the store; later calls return ErrClosed. Queries already
// running go on to their end. Closing a closed store does nothing.
func (m *MemoryStore) Close() error {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.closed = true
	m.signals, m.ids = nil, nil
	return nil
}
