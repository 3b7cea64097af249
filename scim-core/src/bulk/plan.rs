//! The `bulkId` dependency graph and the execution order.
//!
//! Operation `i` depends on operation `j` when `i` refers to `bulkId:x`
//! (in its path or data) and `j` is the POST declaring `x`. The plan:
//!
//! 1. rejects what cannot run: invalid operations (their own error),
//!    references to a bulkId no POST declares, operations on a cycle
//!    (RFC 7644 §3.7.1), and anything depending on a rejected operation,
//!    each with 409 and a detail naming the bulkId;
//! 2. orders the rest topologically, always taking the lowest request index
//!    that is ready, so a request already in dependency order runs exactly
//!    as written and reordering only moves a POST before its first user.
//!
//! Rejected operations keep their request position in the order, so
//! `failOnErrors` counts errors where the client expects them.
//! Everything is linear in operations plus references (Tarjan's
//! strongly-connected components, written without recursion).

use super::request::{BulkMethod, BulkRequest};
use crate::error::ScimError;
use std::cmp::Reverse;
use std::collections::{BinaryHeap, HashMap, VecDeque};

/// One step of a [`BulkPlan`].
#[derive(Debug, Clone, PartialEq)]
pub enum PlanStep {
    /// Run the operation at this request index (after resolving its
    /// references, which can still fail if a POST it needs fails at run
    /// time).
    Execute(usize),
    /// Answer the operation at this request index with `error` without
    /// running it.
    Reject {
        /// The operation's request index.
        index: usize,
        /// Its result.
        error: ScimError,
    },
}

impl PlanStep {
    /// The request index of the operation this step is about.
    pub fn index(&self) -> usize {
        match self {
            PlanStep::Execute(i) | PlanStep::Reject { index: i, .. } => *i,
        }
    }
}

/// The order a bulk request's operations run in: every operation exactly
/// once, each POST before the operations that refer to its bulkId.
#[derive(Debug, Clone, PartialEq)]
pub struct BulkPlan {
    steps: Vec<PlanStep>,
}

impl BulkPlan {
    /// The steps, in execution order.
    pub fn steps(&self) -> &[PlanStep] {
        &self.steps
    }

    /// The request indexes, in execution order.
    pub fn order(&self) -> impl Iterator<Item = usize> + '_ {
        self.steps.iter().map(PlanStep::index)
    }
}

impl BulkRequest {
    /// Plans the execution order; see the [module docs](super) for the
    /// rules.
    pub fn plan(&self) -> BulkPlan {
        let ops = self.operations();
        let n = ops.len();

        // bulkId -> the POST declaring it. Duplicates were already made
        // invalid, so an invalid operation may also be the declarer: then
        // its dependents are rejected like any dependent of a failure.
        let mut declared: HashMap<&str, usize> = HashMap::with_capacity(n);
        for (i, op) in ops.iter().enumerate() {
            match op {
                Ok(op) if op.method() == BulkMethod::Post => {
                    if let Some(id) = op.bulk_id() {
                        declared.entry(id).or_insert(i);
                    }
                }
                Err(inv)
                    if inv.method.as_deref().and_then(BulkMethod::parse)
                        == Some(BulkMethod::Post) =>
                {
                    if let Some(id) = inv.bulk_id.as_deref() {
                        declared.entry(id).or_insert(i);
                    }
                }
                _ => {}
            }
        }

        let mut rejected: Vec<Option<ScimError>> = vec![None; n];
        // deps[i]: (j, bulkId) for each POST j that i refers to.
        let mut deps: Vec<Vec<(usize, &str)>> = vec![Vec::new(); n];
        for (i, op) in ops.iter().enumerate() {
            let op = match op {
                Ok(op) => op,
                Err(inv) => {
                    rejected[i] = Some(inv.error.clone());
                    continue;
                }
            };
            for id in op.references() {
                match declared.get(id.as_str()) {
                    Some(&j) => deps[i].push((j, id.as_str())),
                    None => {
                        if rejected[i].is_none() {
                            rejected[i] = Some(ScimError::conflict(format!(
                                "bulkId:{id} is not the bulkId of any POST operation in this request"
                            )));
                        }
                    }
                }
            }
        }

        for (i, on_cycle) in cycle_members(&deps).into_iter().enumerate() {
            if on_cycle && rejected[i].is_none() {
                let id = ops[i]
                    .as_ref()
                    .ok()
                    .and_then(|op| op.bulk_id())
                    .unwrap_or_default();
                rejected[i] = Some(ScimError::conflict(format!(
                    "circular bulkId reference: bulkId:{id} depends on itself through other operations of this request; \
                     send the references in a later request"
                )));
            }
        }

        // Propagate failure to dependents, breadth-first over reversed edges.
        let mut dependents: Vec<Vec<usize>> = vec![Vec::new(); n];
        for (i, ds) in deps.iter().enumerate() {
            for &(j, _) in ds {
                dependents[j].push(i);
            }
        }
        let mut queue: VecDeque<usize> = (0..n).filter(|&i| rejected[i].is_some()).collect();
        while let Some(j) = queue.pop_front() {
            for &i in &dependents[j] {
                if rejected[i].is_some() {
                    continue;
                }
                let id = deps[i]
                    .iter()
                    .find(|(d, _)| *d == j)
                    .map(|(_, id)| *id)
                    .unwrap_or_default();
                rejected[i] = Some(ScimError::conflict(format!(
                    "bulkId:{id} cannot be resolved: the operation that declares it failed"
                )));
                queue.push_back(i);
            }
        }

        // Kahn's algorithm over the runnable operations, lowest index first.
        // Rejected operations have no prerequisites: they are answered at
        // their request position.
        let mut waiting: Vec<usize> = (0..n)
            .map(|i| {
                if rejected[i].is_some() {
                    0
                } else {
                    deps[i].len()
                }
            })
            .collect();
        let mut ready: BinaryHeap<Reverse<usize>> =
            (0..n).filter(|&i| waiting[i] == 0).map(Reverse).collect();
        let mut steps = Vec::with_capacity(n);
        while let Some(Reverse(i)) = ready.pop() {
            match rejected[i].take() {
                Some(error) => steps.push(PlanStep::Reject { index: i, error }),
                None => {
                    steps.push(PlanStep::Execute(i));
                    for &d in &dependents[i] {
                        // Only runnable operations wait; a rejected dependent
                        // is already ready.
                        if waiting[d] > 0 {
                            waiting[d] -= 1;
                            if waiting[d] == 0 {
                                ready.push(Reverse(d));
                            }
                        }
                    }
                }
            }
        }
        debug_assert_eq!(steps.len(), n, "every operation is planned once");
        BulkPlan { steps }
    }
}

/// For each node, whether it lies on a cycle of `deps` (a strongly
/// connected component of two or more nodes, or a node depending on
/// itself). Tarjan's algorithm with an explicit stack.
fn cycle_members(deps: &[Vec<(usize, &str)>]) -> Vec<bool> {
    const UNSEEN: usize = usize::MAX;
    let n = deps.len();
    let mut index = vec![UNSEEN; n];
    let mut low = vec![0usize; n];
    let mut on_stack = vec![false; n];
    let mut stack: Vec<usize> = Vec::new();
    let mut on_cycle = vec![false; n];
    let mut next = 0usize;
    // (node, position of the next edge to visit)
    let mut call: Vec<(usize, usize)> = Vec::new();

    for root in 0..n {
        if index[root] != UNSEEN {
            continue;
        }
        call.push((root, 0));
        while let Some(&mut (v, ref mut edge)) = call.last_mut() {
            if *edge == 0 && index[v] == UNSEEN {
                index[v] = next;
                low[v] = next;
                next += 1;
                stack.push(v);
                on_stack[v] = true;
            }
            if let Some(&(w, _)) = deps[v].get(*edge) {
                *edge += 1;
                if w == v {
                    on_cycle[v] = true;
                } else if index[w] == UNSEEN {
                    call.push((w, 0));
                } else if on_stack[w] {
                    low[v] = low[v].min(index[w]);
                }
                continue;
            }
            // All edges of v done: close its component if it is a root.
            call.pop();
            if let Some(&(parent, _)) = call.last() {
                low[parent] = low[parent].min(low[v]);
            }
            if low[v] == index[v] {
                let mut members = Vec::new();
                while let Some(w) = stack.pop() {
                    on_stack[w] = false;
                    members.push(w);
                    if w == v {
                        break;
                    }
                }
                if members.len() > 1 {
                    for w in members {
                        on_cycle[w] = true;
                    }
                }
            }
        }
    }
    on_cycle
}

#[cfg(test)]
mod tests {
    use super::*;

    fn graph(edges: &[&[usize]]) -> Vec<Vec<(usize, &'static str)>> {
        edges
            .iter()
            .map(|es| es.iter().map(|&j| (j, "x")).collect())
            .collect()
    }

    #[test]
    fn tarjan_finds_cycles_and_self_loops_only() {
        // 0 -> 1 -> 2 -> 0 is a cycle; 3 -> 0 hangs off it; 4 -> 4 is a
        // self-loop; 5 -> 6 is a plain chain; 7 sits between two cycles.
        let g = graph(&[&[1], &[2], &[0], &[0], &[4], &[6], &[], &[4], &[7]]);
        let c = cycle_members(&g);
        assert_eq!(
            c,
            [true, true, true, false, true, false, false, false, false]
        );
    }

    #[test]
    fn tarjan_handles_a_long_chain_without_recursion() {
        let n = 100_000;
        let g: Vec<Vec<(usize, &str)>> = (0..n)
            .map(|i| {
                if i + 1 < n {
                    vec![(i + 1, "x")]
                } else {
                    vec![]
                }
            })
            .collect();
        assert!(cycle_members(&g).iter().all(|c| !c));
    }
}
