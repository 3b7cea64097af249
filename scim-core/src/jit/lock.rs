//! A per-key async lock that needs no runtime: concurrent logins of one
//! person in one process run one after another, so the first creates the
//! account and the rest find it.

use std::collections::HashMap;
use std::future::Future;
use std::pin::Pin;
use std::sync::{Mutex, PoisonError};
use std::task::{Context, Poll, Waker};

/// Keys currently held, each with the tasks waiting for it.
#[derive(Debug, Default)]
pub(crate) struct KeyedLocks {
    held: Mutex<HashMap<String, Vec<Waker>>>,
}

/// Holds a key until dropped.
pub(crate) struct KeyGuard<'a> {
    locks: &'a KeyedLocks,
    key: String,
}

impl KeyedLocks {
    /// Waits until `key` is free, then holds it.
    pub fn lock(&self, key: String) -> Acquire<'_> {
        Acquire {
            locks: self,
            key: Some(key),
        }
    }
}

/// The future [`KeyedLocks::lock`] returns.
pub(crate) struct Acquire<'a> {
    locks: &'a KeyedLocks,
    key: Option<String>,
}

impl<'a> Future for Acquire<'a> {
    type Output = KeyGuard<'a>;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<KeyGuard<'a>> {
        let locks = self.locks;
        let mut held = locks.held.lock().unwrap_or_else(PoisonError::into_inner);
        let Some(key) = self.key.as_ref() else {
            // Polled after completion: hold nothing.
            return Poll::Pending;
        };
        match held.get_mut(key) {
            Some(waiters) => {
                if !waiters.iter().any(|w| w.will_wake(cx.waker())) {
                    waiters.push(cx.waker().clone());
                }
                Poll::Pending
            }
            None => {
                held.insert(key.clone(), Vec::new());
                drop(held);
                let key = self.key.take().unwrap_or_default();
                Poll::Ready(KeyGuard { locks, key })
            }
        }
    }
}

impl Drop for KeyGuard<'_> {
    fn drop(&mut self) {
        let waiters = self
            .locks
            .held
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .remove(&self.key);
        // Wake every waiter: one takes the key, the others wait again. A
        // waiter that was dropped meanwhile then cannot swallow the wake-up.
        for w in waiters.into_iter().flatten() {
            w.wake();
        }
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::sync::Arc;

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn one_holder_per_key_and_others_proceed() {
        let locks = Arc::new(KeyedLocks::default());
        let inside = Arc::new(AtomicUsize::new(0));
        let max = Arc::new(AtomicUsize::new(0));
        let mut tasks = Vec::new();
        for _ in 0..16 {
            let (locks, inside, max) = (locks.clone(), inside.clone(), max.clone());
            tasks.push(tokio::spawn(async move {
                let _g = locks.lock("k".into()).await;
                let n = inside.fetch_add(1, Ordering::SeqCst) + 1;
                max.fetch_max(n, Ordering::SeqCst);
                tokio::task::yield_now().await;
                inside.fetch_sub(1, Ordering::SeqCst);
            }));
        }
        // Another key is never blocked by "k".
        let _other = locks.lock("other".into()).await;
        for t in tasks {
            t.await.unwrap();
        }
        assert_eq!(max.load(Ordering::SeqCst), 1);
        assert!(locks.held.lock().unwrap().get("k").is_none());
    }
}
