;; Keel's tree-building kernels: the loops that dominate histogram tree fitting.
;; Compiled to src/learn/kernels/trees-wasm.ts by `npm run build:kernels`.
;; Addresses are byte offsets into the shared memory the caller owns (KernelArena).
;; WebAssembly runs these loops about twice as fast as the same JavaScript: no bounds
;; checks on typed arrays and plain integer address arithmetic.
(module
  (import "env" "memory" (memory 1 65536 shared))

  ;; Adds four features at once: each row's index and statistics are loaded once for all four.
  ;; $a..$d: bin codes (u8 per row); $ha..$hd: the features' histograms (f64 gradient, f64 hessian per bin);
  ;; $rows: $n row ids (i32); $g: the rows' statistics gathered in row order (f64 gradient, f64 hessian).
  (func $quad
    (param $a i32) (param $b i32) (param $c i32) (param $d i32)
    (param $ha i32) (param $hb i32) (param $hc i32) (param $hd i32)
    (param $rows i32) (param $n i32) (param $g i32)
    (local $end i32) (local $r i32) (local $k i32) (local $gi f64) (local $hi f64)
    (local.set $end (i32.add (local.get $rows) (i32.shl (local.get $n) (i32.const 2))))
    (block $done
      (br_if $done (i32.ge_u (local.get $rows) (local.get $end)))
      (loop $next
        (local.set $r (i32.load (local.get $rows)))
        (local.set $gi (f64.load (local.get $g)))
        (local.set $hi (f64.load offset=8 (local.get $g)))
        (local.set $k (i32.add (local.get $ha) (i32.shl (i32.load8_u (i32.add (local.get $a) (local.get $r))) (i32.const 4))))
        (f64.store (local.get $k) (f64.add (f64.load (local.get $k)) (local.get $gi)))
        (f64.store offset=8 (local.get $k) (f64.add (f64.load offset=8 (local.get $k)) (local.get $hi)))
        (local.set $k (i32.add (local.get $hb) (i32.shl (i32.load8_u (i32.add (local.get $b) (local.get $r))) (i32.const 4))))
        (f64.store (local.get $k) (f64.add (f64.load (local.get $k)) (local.get $gi)))
        (f64.store offset=8 (local.get $k) (f64.add (f64.load offset=8 (local.get $k)) (local.get $hi)))
        (local.set $k (i32.add (local.get $hc) (i32.shl (i32.load8_u (i32.add (local.get $c) (local.get $r))) (i32.const 4))))
        (f64.store (local.get $k) (f64.add (f64.load (local.get $k)) (local.get $gi)))
        (f64.store offset=8 (local.get $k) (f64.add (f64.load offset=8 (local.get $k)) (local.get $hi)))
        (local.set $k (i32.add (local.get $hd) (i32.shl (i32.load8_u (i32.add (local.get $d) (local.get $r))) (i32.const 4))))
        (f64.store (local.get $k) (f64.add (f64.load (local.get $k)) (local.get $gi)))
        (f64.store offset=8 (local.get $k) (f64.add (f64.load offset=8 (local.get $k)) (local.get $hi)))
        (local.set $rows (i32.add (local.get $rows) (i32.const 4)))
        (local.set $g (i32.add (local.get $g) (i32.const 16)))
        (br_if $next (i32.lt_u (local.get $rows) (local.get $end))))))

  (func $single (param $a i32) (param $ha i32) (param $rows i32) (param $n i32) (param $g i32)
    (local $end i32) (local $k i32)
    (local.set $end (i32.add (local.get $rows) (i32.shl (local.get $n) (i32.const 2))))
    (block $done
      (br_if $done (i32.ge_u (local.get $rows) (local.get $end)))
      (loop $next
        (local.set $k (i32.add (local.get $ha) (i32.shl (i32.load8_u (i32.add (local.get $a) (i32.load (local.get $rows)))) (i32.const 4))))
        (f64.store (local.get $k) (f64.add (f64.load (local.get $k)) (f64.load (local.get $g))))
        (f64.store offset=8 (local.get $k) (f64.add (f64.load offset=8 (local.get $k)) (f64.load offset=8 (local.get $g))))
        (local.set $rows (i32.add (local.get $rows) (i32.const 4)))
        (local.set $g (i32.add (local.get $g) (i32.const 16)))
        (br_if $next (i32.lt_u (local.get $rows) (local.get $end))))))

  ;; Adds rows into the histograms of $count features listed at $table as (codes, histogram) address pairs.
  ;; Histograms are added to, not cleared. Features are taken four at a time, then one by one.
  (func $histogram (export "histogram") (param $table i32) (param $count i32) (param $rows i32) (param $n i32) (param $g i32)
    (local $end i32)
    (local.set $end (i32.add (local.get $table) (i32.shl (local.get $count) (i32.const 3))))
    (block $quads
      (loop $next
        (br_if $quads (i32.gt_u (i32.add (local.get $table) (i32.const 32)) (local.get $end)))
        (call $quad
          (i32.load (local.get $table)) (i32.load offset=8 (local.get $table))
          (i32.load offset=16 (local.get $table)) (i32.load offset=24 (local.get $table))
          (i32.load offset=4 (local.get $table)) (i32.load offset=12 (local.get $table))
          (i32.load offset=20 (local.get $table)) (i32.load offset=28 (local.get $table))
          (local.get $rows) (local.get $n) (local.get $g))
        (local.set $table (i32.add (local.get $table) (i32.const 32)))
        (br $next)))
    (block $singles
      (loop $next
        (br_if $singles (i32.ge_u (local.get $table) (local.get $end)))
        (call $single (i32.load (local.get $table)) (i32.load offset=4 (local.get $table)) (local.get $rows) (local.get $n) (local.get $g))
        (local.set $table (i32.add (local.get $table) (i32.const 8)))
        (br $next))))

  ;; Stable partition of $n row ids at $rows by a 256-entry table $lut (1 = left) over bin codes $codes:
  ;; left rows stay in place in order, right rows follow them in order. $spill holds $n i32.
  ;; Branch-free: each row is written to both sides and only its own side advances. Returns the left count.
  (func (export "partition") (param $codes i32) (param $lut i32) (param $rows i32) (param $n i32) (param $spill i32) (result i32)
    (local $i i32) (local $end i32) (local $l i32) (local $r i32) (local $row i32) (local $left i32)
    (local.set $i (local.get $rows))
    (local.set $end (i32.add (local.get $rows) (i32.shl (local.get $n) (i32.const 2))))
    (local.set $l (local.get $rows))
    (local.set $r (local.get $spill))
    (block $done
      (br_if $done (i32.ge_u (local.get $i) (local.get $end)))
      (loop $next
        (local.set $row (i32.load (local.get $i)))
        (local.set $left (i32.load8_u (i32.add (local.get $lut) (i32.load8_u (i32.add (local.get $codes) (local.get $row))))))
        (i32.store (local.get $l) (local.get $row))
        (i32.store (local.get $r) (local.get $row))
        (local.set $l (i32.add (local.get $l) (i32.shl (local.get $left) (i32.const 2))))
        (local.set $r (i32.add (local.get $r) (i32.shl (i32.sub (i32.const 1) (local.get $left)) (i32.const 2))))
        (local.set $i (i32.add (local.get $i) (i32.const 4)))
        (br_if $next (i32.lt_u (local.get $i) (local.get $end)))))
    (memory.copy (local.get $l) (local.get $spill) (i32.sub (local.get $r) (local.get $spill)))
    (i32.shr_u (i32.sub (local.get $l) (local.get $rows)) (i32.const 2)))
;; Copies the gradient and hessian of $n rows (ids at $rows) into $out as (gradient, hessian) pairs, in row order.
  (func $gather (export "gather") (param $rows i32) (param $n i32) (param $grad i32) (param $hess i32) (param $out i32)
    (local $end i32) (local $r i32)
    (local.set $end (i32.add (local.get $rows) (i32.shl (local.get $n) (i32.const 2))))
    (block $done
      (br_if $done (i32.ge_u (local.get $rows) (local.get $end)))
      (loop $next
        (local.set $r (i32.shl (i32.load (local.get $rows)) (i32.const 3)))
        (f64.store (local.get $out) (f64.load (i32.add (local.get $grad) (local.get $r))))
        (f64.store offset=8 (local.get $out) (f64.load (i32.add (local.get $hess) (local.get $r))))
        (local.set $rows (i32.add (local.get $rows) (i32.const 4)))
        (local.set $out (i32.add (local.get $out) (i32.const 16)))
        (br_if $next (i32.lt_u (local.get $rows) (local.get $end))))))

  ;; gather, then histogram: what one thread does for its share of a node's rows ($scratch holds $n pairs).
  (func (export "histogramRows") (param $table i32) (param $count i32) (param $rows i32) (param $n i32) (param $grad i32) (param $hess i32) (param $scratch i32)
    (call $gather (local.get $rows) (local.get $n) (local.get $grad) (local.get $hess) (local.get $scratch))
    (call $histogram (local.get $table) (local.get $count) (local.get $rows) (local.get $n) (local.get $scratch)))

  ;; For rows whose children stay leaves: $leafOf[row] = $leftNode when lut[codes[row]] = 1, else $rightNode.
  (func (export "assignLeaves") (param $codes i32) (param $lut i32) (param $rows i32) (param $n i32) (param $leafOf i32) (param $leftNode i32) (param $rightNode i32)
    (local $end i32) (local $row i32) (local $toRight i32)
    (local.set $toRight (i32.sub (local.get $rightNode) (local.get $leftNode)))
    (local.set $end (i32.add (local.get $rows) (i32.shl (local.get $n) (i32.const 2))))
    (block $done
      (br_if $done (i32.ge_u (local.get $rows) (local.get $end)))
      (loop $next
        (local.set $row (i32.load (local.get $rows)))
        (i32.store (i32.add (local.get $leafOf) (i32.shl (local.get $row) (i32.const 2)))
          (i32.sub (local.get $rightNode)
            (i32.mul (local.get $toRight) (i32.load8_u (i32.add (local.get $lut) (i32.load8_u (i32.add (local.get $codes) (local.get $row))))))))
        (local.set $rows (i32.add (local.get $rows) (i32.const 4)))
        (br_if $next (i32.lt_u (local.get $rows) (local.get $end))))))

  ;; Prediction. A compiled tree (see compiled.ts) is walked exactly $depth steps from $root: leaves
  ;; point to themselves with threshold +Infinity, so no step needs a leaf test. A node is 16 bytes
  ;; at $nodes + 16 × index: its threshold (f64), its feature (i32, bit 31 set when a missing value
  ;; goes right) and its left child (i32; the right child is next to it). One step reads one cache
  ;; line, and a tree's top levels share a few: a served model's nodes are mostly not in cache
  ;; when a request comes, so lines touched, more than instructions, set the time of a prediction.
  ;; $block holds $m rows of $p features (f64, row-major); $leaves receives each row's leaf (i32).
  ;; Four rows walk together: their walks are independent chains of loads, so the CPU overlaps
  ;; them instead of waiting on one at a time. x > threshold is false for NaN, which then goes
  ;; right only when bit 31 is set.
  (func $findLeaves (export "findLeaves")
    (param $nodes i32) (param $block i32) (param $p i32) (param $m i32) (param $root i32) (param $depth i32) (param $leaves i32)
    (local $end i32) (local $stride i32) (local $d i32)
    (local $r0 i32) (local $r1 i32) (local $r2 i32) (local $r3 i32)
    (local $n0 i32) (local $n1 i32) (local $n2 i32) (local $n3 i32)
    (local $a0 i32) (local $a1 i32) (local $a2 i32) (local $a3 i32)
    (local $f0 i32) (local $f1 i32) (local $f2 i32) (local $f3 i32)
    (local $x0 f64) (local $x1 f64) (local $x2 f64) (local $x3 f64)
    (local.set $stride (i32.shl (local.get $p) (i32.const 3)))
    (local.set $r0 (local.get $block))
    (local.set $end (i32.add (local.get $leaves) (i32.shl (i32.and (local.get $m) (i32.const -4)) (i32.const 2))))
    (block $quadsDone
      (br_if $quadsDone (i32.ge_u (local.get $leaves) (local.get $end)))
      (loop $quads
        (local.set $r1 (i32.add (local.get $r0) (local.get $stride)))
        (local.set $r2 (i32.add (local.get $r1) (local.get $stride)))
        (local.set $r3 (i32.add (local.get $r2) (local.get $stride)))
        (local.set $n0 (local.get $root))
        (local.set $n1 (local.get $root))
        (local.set $n2 (local.get $root))
        (local.set $n3 (local.get $root))
        (local.set $d (local.get $depth))
        (block $walked
          (br_if $walked (i32.eqz (local.get $d)))
          (loop $step
            (local.set $a0 (i32.add (local.get $nodes) (i32.shl (local.get $n0) (i32.const 4))))
            (local.set $f0 (i32.load offset=8 (local.get $a0)))
            (local.set $x0 (f64.load (i32.add (local.get $r0) (i32.shl (i32.and (local.get $f0) (i32.const 0x7fffffff)) (i32.const 3)))))
            (local.set $n0 (i32.add (i32.load offset=12 (local.get $a0))
              (i32.or
                (f64.gt (local.get $x0) (f64.load (local.get $a0)))
                (i32.and (f64.ne (local.get $x0) (local.get $x0)) (i32.shr_u (local.get $f0) (i32.const 31))))))
            (local.set $a1 (i32.add (local.get $nodes) (i32.shl (local.get $n1) (i32.const 4))))
            (local.set $f1 (i32.load offset=8 (local.get $a1)))
            (local.set $x1 (f64.load (i32.add (local.get $r1) (i32.shl (i32.and (local.get $f1) (i32.const 0x7fffffff)) (i32.const 3)))))
            (local.set $n1 (i32.add (i32.load offset=12 (local.get $a1))
              (i32.or
                (f64.gt (local.get $x1) (f64.load (local.get $a1)))
                (i32.and (f64.ne (local.get $x1) (local.get $x1)) (i32.shr_u (local.get $f1) (i32.const 31))))))
            (local.set $a2 (i32.add (local.get $nodes) (i32.shl (local.get $n2) (i32.const 4))))
            (local.set $f2 (i32.load offset=8 (local.get $a2)))
            (local.set $x2 (f64.load (i32.add (local.get $r2) (i32.shl (i32.and (local.get $f2) (i32.const 0x7fffffff)) (i32.const 3)))))
            (local.set $n2 (i32.add (i32.load offset=12 (local.get $a2))
              (i32.or
                (f64.gt (local.get $x2) (f64.load (local.get $a2)))
                (i32.and (f64.ne (local.get $x2) (local.get $x2)) (i32.shr_u (local.get $f2) (i32.const 31))))))
            (local.set $a3 (i32.add (local.get $nodes) (i32.shl (local.get $n3) (i32.const 4))))
            (local.set $f3 (i32.load offset=8 (local.get $a3)))
            (local.set $x3 (f64.load (i32.add (local.get $r3) (i32.shl (i32.and (local.get $f3) (i32.const 0x7fffffff)) (i32.const 3)))))
            (local.set $n3 (i32.add (i32.load offset=12 (local.get $a3))
              (i32.or
                (f64.gt (local.get $x3) (f64.load (local.get $a3)))
                (i32.and (f64.ne (local.get $x3) (local.get $x3)) (i32.shr_u (local.get $f3) (i32.const 31))))))
            (local.set $d (i32.sub (local.get $d) (i32.const 1)))
            (br_if $step (local.get $d))))
        (i32.store (local.get $leaves) (local.get $n0))
        (i32.store offset=4 (local.get $leaves) (local.get $n1))
        (i32.store offset=8 (local.get $leaves) (local.get $n2))
        (i32.store offset=12 (local.get $leaves) (local.get $n3))
        (local.set $r0 (i32.add (local.get $r3) (local.get $stride)))
        (local.set $leaves (i32.add (local.get $leaves) (i32.const 16)))
        (br_if $quads (i32.lt_u (local.get $leaves) (local.get $end)))))
    ;; the last m mod 4 rows, one at a time
    (local.set $end (i32.add (local.get $leaves) (i32.shl (i32.and (local.get $m) (i32.const 3)) (i32.const 2))))
    (block $done
      (br_if $done (i32.ge_u (local.get $leaves) (local.get $end)))
      (loop $rows
        (local.set $n0 (local.get $root))
        (local.set $d (local.get $depth))
        (block $walked
          (br_if $walked (i32.eqz (local.get $d)))
          (loop $step
            (local.set $a0 (i32.add (local.get $nodes) (i32.shl (local.get $n0) (i32.const 4))))
            (local.set $f0 (i32.load offset=8 (local.get $a0)))
            (local.set $x0 (f64.load (i32.add (local.get $r0) (i32.shl (i32.and (local.get $f0) (i32.const 0x7fffffff)) (i32.const 3)))))
            (local.set $n0 (i32.add (i32.load offset=12 (local.get $a0))
              (i32.or
                (f64.gt (local.get $x0) (f64.load (local.get $a0)))
                (i32.and (f64.ne (local.get $x0) (local.get $x0)) (i32.shr_u (local.get $f0) (i32.const 31))))))
            (local.set $d (i32.sub (local.get $d) (i32.const 1)))
            (br_if $step (local.get $d))))
        (i32.store (local.get $leaves) (local.get $n0))
        (local.set $r0 (i32.add (local.get $r0) (local.get $stride)))
        (local.set $leaves (i32.add (local.get $leaves) (i32.const 4)))
        (br_if $rows (i32.lt_u (local.get $leaves) (local.get $end))))))

  ;; $out[j * $k + $target] += $value[$leaves[j]] for $m rows (single-value leaves).
  (func $addLeafValues (export "addLeafValues") (param $leaves i32) (param $m i32) (param $value i32) (param $out i32) (param $k i32) (param $target i32)
    (local $end i32) (local $at i32) (local $stride i32)
    (local.set $stride (i32.shl (local.get $k) (i32.const 3)))
    (local.set $at (i32.add (local.get $out) (i32.shl (local.get $target) (i32.const 3))))
    (local.set $end (i32.add (local.get $leaves) (i32.shl (local.get $m) (i32.const 2))))
    (block $done
      (br_if $done (i32.ge_u (local.get $leaves) (local.get $end)))
      (loop $next
        (f64.store (local.get $at) (f64.add (f64.load (local.get $at))
          (f64.load (i32.add (local.get $value) (i32.shl (i32.load (local.get $leaves)) (i32.const 3))))))
        (local.set $at (i32.add (local.get $at) (local.get $stride)))
        (local.set $leaves (i32.add (local.get $leaves) (i32.const 4)))
        (br_if $next (i32.lt_u (local.get $leaves) (local.get $end))))))

  ;; Gradients. e^x for two lanes, |x| clamped to 708: Cody-Waite reduction by ln 2, a degree-13
  ;; Taylor polynomial on |r| <= ln(2)/2 (truncation below 2e-16), then the exponent bits.
  ;; Within 1.5 ulp of Math.exp (tested), and two rows per instruction.
  (func $exp2x (param $x v128) (result v128)
    (local $k v128) (local $r v128) (local $p v128)
    (local.set $x (f64x2.min (f64x2.max (local.get $x) (v128.const f64x2 -708 -708)) (v128.const f64x2 708 708)))
    (local.set $k (f64x2.nearest (f64x2.mul (local.get $x) (v128.const f64x2 1.4426950408889634 1.4426950408889634))))
    (local.set $r (f64x2.sub
      (f64x2.sub (local.get $x) (f64x2.mul (local.get $k) (v128.const f64x2 0.6931471803691238 0.6931471803691238)))
      (f64x2.mul (local.get $k) (v128.const f64x2 1.9082149292705877e-10 1.9082149292705877e-10))))
    (local.set $p (v128.const f64x2 1.6059043836821613e-10 1.6059043836821613e-10))
    (local.set $p (f64x2.add (f64x2.mul (local.get $p) (local.get $r)) (v128.const f64x2 2.08767569878681e-9 2.08767569878681e-9)))
    (local.set $p (f64x2.add (f64x2.mul (local.get $p) (local.get $r)) (v128.const f64x2 2.505210838544172e-8 2.505210838544172e-8)))
    (local.set $p (f64x2.add (f64x2.mul (local.get $p) (local.get $r)) (v128.const f64x2 2.755731922398589e-7 2.755731922398589e-7)))
    (local.set $p (f64x2.add (f64x2.mul (local.get $p) (local.get $r)) (v128.const f64x2 2.755731922398589e-6 2.755731922398589e-6)))
    (local.set $p (f64x2.add (f64x2.mul (local.get $p) (local.get $r)) (v128.const f64x2 2.48015873015873e-5 2.48015873015873e-5)))
    (local.set $p (f64x2.add (f64x2.mul (local.get $p) (local.get $r)) (v128.const f64x2 1.984126984126984e-4 1.984126984126984e-4)))
    (local.set $p (f64x2.add (f64x2.mul (local.get $p) (local.get $r)) (v128.const f64x2 1.388888888888889e-3 1.388888888888889e-3)))
    (local.set $p (f64x2.add (f64x2.mul (local.get $p) (local.get $r)) (v128.const f64x2 8.333333333333333e-3 8.333333333333333e-3)))
    (local.set $p (f64x2.add (f64x2.mul (local.get $p) (local.get $r)) (v128.const f64x2 4.1666666666666664e-2 4.1666666666666664e-2)))
    (local.set $p (f64x2.add (f64x2.mul (local.get $p) (local.get $r)) (v128.const f64x2 0.16666666666666666 0.16666666666666666)))
    (local.set $p (f64x2.add (f64x2.mul (local.get $p) (local.get $r)) (v128.const f64x2 0.5 0.5)))
    (local.set $p (f64x2.add (f64x2.mul (local.get $p) (local.get $r)) (v128.const f64x2 1 1)))
    (local.set $p (f64x2.add (f64x2.mul (local.get $p) (local.get $r)) (v128.const f64x2 1 1)))
    (f64x2.mul (local.get $p)
      (i64x2.shl (i64x2.add (i64x2.extend_low_i32x4_s (i32x4.trunc_sat_f64x2_s_zero (local.get $k))) (v128.const i64x2 1023 1023)) (i32.const 52))))

  ;; Binary log loss at margins $m (f64) for labels $y (0/1, f64): g = p - y, h = max(p (1 - p), 1e-16)
  ;; with p = 1 / (1 + e^-m). Rows go two at a time; an odd last row takes a lane of its own.
  (func (export "binaryGradients") (param $m i32) (param $y i32) (param $g i32) (param $h i32) (param $n i32)
    (local $i i32) (local $p v128) (local $at i32)
    (block $done
      (loop $next
        (br_if $done (i32.ge_u (local.get $i) (local.get $n)))
        (local.set $at (i32.shl (local.get $i) (i32.const 3)))
        (if (i32.lt_u (i32.add (local.get $i) (i32.const 1)) (local.get $n))
          (then (local.set $p (v128.load (i32.add (local.get $m) (local.get $at)))))
          (else (local.set $p (f64x2.splat (f64.load (i32.add (local.get $m) (local.get $at)))))))
        (local.set $p (f64x2.div (v128.const f64x2 1 1)
          (f64x2.add (v128.const f64x2 1 1) (call $exp2x (f64x2.neg (local.get $p))))))
        (if (i32.lt_u (i32.add (local.get $i) (i32.const 1)) (local.get $n))
          (then
            (v128.store (i32.add (local.get $g) (local.get $at)) (f64x2.sub (local.get $p) (v128.load (i32.add (local.get $y) (local.get $at)))))
            (v128.store (i32.add (local.get $h) (local.get $at))
              (f64x2.max (f64x2.mul (local.get $p) (f64x2.sub (v128.const f64x2 1 1) (local.get $p))) (v128.const f64x2 1e-16 1e-16))))
          (else
            (f64.store (i32.add (local.get $g) (local.get $at)) (f64.sub (f64x2.extract_lane 0 (local.get $p)) (f64.load (i32.add (local.get $y) (local.get $at)))))
            (f64.store (i32.add (local.get $h) (local.get $at))
              (f64x2.extract_lane 0 (f64x2.max (f64x2.mul (local.get $p) (f64x2.sub (v128.const f64x2 1 1) (local.get $p))) (v128.const f64x2 1e-16 1e-16))))))
        (local.set $i (i32.add (local.get $i) (i32.const 2)))
        (br $next))))

  ;; e^x of $n values at $x into $out: lets the tests hold the polynomial to Math.exp.
  (func (export "exp") (param $x i32) (param $out i32) (param $n i32)
    (local $i i32) (local $at i32)
    (block $done
      (loop $next
        (br_if $done (i32.ge_u (local.get $i) (local.get $n)))
        (local.set $at (i32.shl (local.get $i) (i32.const 3)))
        (f64.store (i32.add (local.get $out) (local.get $at))
          (f64x2.extract_lane 0 (call $exp2x (f64x2.splat (f64.load (i32.add (local.get $x) (local.get $at)))))))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br $next))))

  ;; Squared error at margins $m for targets $y: g = m - y, h = 1.
  (func (export "squaredGradients") (param $m i32) (param $y i32) (param $g i32) (param $h i32) (param $n i32)
    (local $end i32)
    (local.set $end (i32.add (local.get $m) (i32.shl (local.get $n) (i32.const 3))))
    (block $done
      (br_if $done (i32.ge_u (local.get $m) (local.get $end)))
      (loop $next
        (f64.store (local.get $g) (f64.sub (f64.load (local.get $m)) (f64.load (local.get $y))))
        (f64.store (local.get $h) (f64.const 1))
        (local.set $m (i32.add (local.get $m) (i32.const 8)))
        (local.set $y (i32.add (local.get $y) (i32.const 8)))
        (local.set $g (i32.add (local.get $g) (i32.const 8)))
        (local.set $h (i32.add (local.get $h) (i32.const 8)))
        (br_if $next (i32.lt_u (local.get $m) (local.get $end))))))

  ;; Every tree of a single-value-leaf ensemble for one block of rows, in tree order: tree t's
  ;; walk starts at $roots[t], takes $depths[t] steps and adds to output $targets[t] of $out.
  ;; One call per block instead of two per tree keeps single-row predictions fast.
  (func (export "predictTrees")
    (param $nodes i32) (param $value i32)
    (param $roots i32) (param $depths i32) (param $targets i32) (param $nTrees i32)
    (param $block i32) (param $p i32) (param $m i32) (param $out i32) (param $k i32) (param $leaves i32)
    (local $end i32)
    (local.set $end (i32.add (local.get $roots) (i32.shl (local.get $nTrees) (i32.const 2))))
    (block $done
      (br_if $done (i32.ge_u (local.get $roots) (local.get $end)))
      (loop $next
        (call $findLeaves (local.get $nodes)
          (local.get $block) (local.get $p) (local.get $m) (i32.load (local.get $roots)) (i32.load (local.get $depths)) (local.get $leaves))
        (call $addLeafValues (local.get $leaves) (local.get $m) (local.get $value) (local.get $out) (local.get $k) (i32.load (local.get $targets)))
        (local.set $roots (i32.add (local.get $roots) (i32.const 4)))
        (local.set $depths (i32.add (local.get $depths) (i32.const 4)))
        (local.set $targets (i32.add (local.get $targets) (i32.const 4)))
        (br_if $next (i32.lt_u (local.get $roots) (local.get $end))))))

  ;; One row ($p features at $x) through every tree of a single-value-leaf ensemble, adding each
  ;; tree's leaf value to output $targets[t] of $out, in tree order. A row's walk down one tree is
  ;; a chain of dependent loads, so eight trees are walked together and the CPU overlaps their
  ;; chains (and their cache misses): what findLeaves does with four rows, done with trees for a
  ;; request of one row. Eight walked a 100-tree model's row in 1.8 µs, four in 2.1, one in 3.5.
  ;; The eight walk as deep as the deepest of them; a leaf points to itself, so the extra steps stay.
  (func (export "predictRow")
    (param $nodes i32) (param $value i32) (param $roots i32) (param $depths i32) (param $targets i32) (param $nTrees i32)
    (param $x i32) (param $out i32)
    (local $end i32) (local $d i32) (local $a i32) (local $f i32) (local $v f64)
    (local $n0 i32) (local $n1 i32) (local $n2 i32) (local $n3 i32) (local $n4 i32) (local $n5 i32) (local $n6 i32) (local $n7 i32)
    (local.set $end (i32.add (local.get $roots) (i32.shl (i32.and (local.get $nTrees) (i32.const -8)) (i32.const 2))))
    (block $groupsDone
      (br_if $groupsDone (i32.ge_u (local.get $roots) (local.get $end)))
      (loop $groups
        (local.set $n0 (i32.load offset=0 (local.get $roots)))
        (local.set $n1 (i32.load offset=4 (local.get $roots)))
        (local.set $n2 (i32.load offset=8 (local.get $roots)))
        (local.set $n3 (i32.load offset=12 (local.get $roots)))
        (local.set $n4 (i32.load offset=16 (local.get $roots)))
        (local.set $n5 (i32.load offset=20 (local.get $roots)))
        (local.set $n6 (i32.load offset=24 (local.get $roots)))
        (local.set $n7 (i32.load offset=28 (local.get $roots)))
        (local.set $d (i32.load (local.get $depths)))
        (if (i32.gt_s (i32.load offset=4 (local.get $depths)) (local.get $d)) (then (local.set $d (i32.load offset=4 (local.get $depths)))))
        (if (i32.gt_s (i32.load offset=8 (local.get $depths)) (local.get $d)) (then (local.set $d (i32.load offset=8 (local.get $depths)))))
        (if (i32.gt_s (i32.load offset=12 (local.get $depths)) (local.get $d)) (then (local.set $d (i32.load offset=12 (local.get $depths)))))
        (if (i32.gt_s (i32.load offset=16 (local.get $depths)) (local.get $d)) (then (local.set $d (i32.load offset=16 (local.get $depths)))))
        (if (i32.gt_s (i32.load offset=20 (local.get $depths)) (local.get $d)) (then (local.set $d (i32.load offset=20 (local.get $depths)))))
        (if (i32.gt_s (i32.load offset=24 (local.get $depths)) (local.get $d)) (then (local.set $d (i32.load offset=24 (local.get $depths)))))
        (if (i32.gt_s (i32.load offset=28 (local.get $depths)) (local.get $d)) (then (local.set $d (i32.load offset=28 (local.get $depths)))))
        (block $walked
          (br_if $walked (i32.eqz (local.get $d)))
          (loop $step
            (local.set $a (i32.add (local.get $nodes) (i32.shl (local.get $n0) (i32.const 4))))
            (local.set $f (i32.load offset=8 (local.get $a)))
            (local.set $v (f64.load (i32.add (local.get $x) (i32.shl (i32.and (local.get $f) (i32.const 0x7fffffff)) (i32.const 3)))))
            (local.set $n0 (i32.add (i32.load offset=12 (local.get $a))
              (i32.or
                (f64.gt (local.get $v) (f64.load (local.get $a)))
                (i32.and (f64.ne (local.get $v) (local.get $v)) (i32.shr_u (local.get $f) (i32.const 31))))))
            (local.set $a (i32.add (local.get $nodes) (i32.shl (local.get $n1) (i32.const 4))))
            (local.set $f (i32.load offset=8 (local.get $a)))
            (local.set $v (f64.load (i32.add (local.get $x) (i32.shl (i32.and (local.get $f) (i32.const 0x7fffffff)) (i32.const 3)))))
            (local.set $n1 (i32.add (i32.load offset=12 (local.get $a))
              (i32.or
                (f64.gt (local.get $v) (f64.load (local.get $a)))
                (i32.and (f64.ne (local.get $v) (local.get $v)) (i32.shr_u (local.get $f) (i32.const 31))))))
            (local.set $a (i32.add (local.get $nodes) (i32.shl (local.get $n2) (i32.const 4))))
            (local.set $f (i32.load offset=8 (local.get $a)))
            (local.set $v (f64.load (i32.add (local.get $x) (i32.shl (i32.and (local.get $f) (i32.const 0x7fffffff)) (i32.const 3)))))
            (local.set $n2 (i32.add (i32.load offset=12 (local.get $a))
              (i32.or
                (f64.gt (local.get $v) (f64.load (local.get $a)))
                (i32.and (f64.ne (local.get $v) (local.get $v)) (i32.shr_u (local.get $f) (i32.const 31))))))
            (local.set $a (i32.add (local.get $nodes) (i32.shl (local.get $n3) (i32.const 4))))
            (local.set $f (i32.load offset=8 (local.get $a)))
            (local.set $v (f64.load (i32.add (local.get $x) (i32.shl (i32.and (local.get $f) (i32.const 0x7fffffff)) (i32.const 3)))))
            (local.set $n3 (i32.add (i32.load offset=12 (local.get $a))
              (i32.or
                (f64.gt (local.get $v) (f64.load (local.get $a)))
                (i32.and (f64.ne (local.get $v) (local.get $v)) (i32.shr_u (local.get $f) (i32.const 31))))))
            (local.set $a (i32.add (local.get $nodes) (i32.shl (local.get $n4) (i32.const 4))))
            (local.set $f (i32.load offset=8 (local.get $a)))
            (local.set $v (f64.load (i32.add (local.get $x) (i32.shl (i32.and (local.get $f) (i32.const 0x7fffffff)) (i32.const 3)))))
            (local.set $n4 (i32.add (i32.load offset=12 (local.get $a))
              (i32.or
                (f64.gt (local.get $v) (f64.load (local.get $a)))
                (i32.and (f64.ne (local.get $v) (local.get $v)) (i32.shr_u (local.get $f) (i32.const 31))))))
            (local.set $a (i32.add (local.get $nodes) (i32.shl (local.get $n5) (i32.const 4))))
            (local.set $f (i32.load offset=8 (local.get $a)))
            (local.set $v (f64.load (i32.add (local.get $x) (i32.shl (i32.and (local.get $f) (i32.const 0x7fffffff)) (i32.const 3)))))
            (local.set $n5 (i32.add (i32.load offset=12 (local.get $a))
              (i32.or
                (f64.gt (local.get $v) (f64.load (local.get $a)))
                (i32.and (f64.ne (local.get $v) (local.get $v)) (i32.shr_u (local.get $f) (i32.const 31))))))
            (local.set $a (i32.add (local.get $nodes) (i32.shl (local.get $n6) (i32.const 4))))
            (local.set $f (i32.load offset=8 (local.get $a)))
            (local.set $v (f64.load (i32.add (local.get $x) (i32.shl (i32.and (local.get $f) (i32.const 0x7fffffff)) (i32.const 3)))))
            (local.set $n6 (i32.add (i32.load offset=12 (local.get $a))
              (i32.or
                (f64.gt (local.get $v) (f64.load (local.get $a)))
                (i32.and (f64.ne (local.get $v) (local.get $v)) (i32.shr_u (local.get $f) (i32.const 31))))))
            (local.set $a (i32.add (local.get $nodes) (i32.shl (local.get $n7) (i32.const 4))))
            (local.set $f (i32.load offset=8 (local.get $a)))
            (local.set $v (f64.load (i32.add (local.get $x) (i32.shl (i32.and (local.get $f) (i32.const 0x7fffffff)) (i32.const 3)))))
            (local.set $n7 (i32.add (i32.load offset=12 (local.get $a))
              (i32.or
                (f64.gt (local.get $v) (f64.load (local.get $a)))
                (i32.and (f64.ne (local.get $v) (local.get $v)) (i32.shr_u (local.get $f) (i32.const 31))))))
            (local.set $d (i32.sub (local.get $d) (i32.const 1)))
            (br_if $step (local.get $d))))
        (local.set $a (i32.add (local.get $out) (i32.shl (i32.load offset=0 (local.get $targets)) (i32.const 3))))
        (f64.store (local.get $a) (f64.add (f64.load (local.get $a)) (f64.load (i32.add (local.get $value) (i32.shl (local.get $n0) (i32.const 3))))))
        (local.set $a (i32.add (local.get $out) (i32.shl (i32.load offset=4 (local.get $targets)) (i32.const 3))))
        (f64.store (local.get $a) (f64.add (f64.load (local.get $a)) (f64.load (i32.add (local.get $value) (i32.shl (local.get $n1) (i32.const 3))))))
        (local.set $a (i32.add (local.get $out) (i32.shl (i32.load offset=8 (local.get $targets)) (i32.const 3))))
        (f64.store (local.get $a) (f64.add (f64.load (local.get $a)) (f64.load (i32.add (local.get $value) (i32.shl (local.get $n2) (i32.const 3))))))
        (local.set $a (i32.add (local.get $out) (i32.shl (i32.load offset=12 (local.get $targets)) (i32.const 3))))
        (f64.store (local.get $a) (f64.add (f64.load (local.get $a)) (f64.load (i32.add (local.get $value) (i32.shl (local.get $n3) (i32.const 3))))))
        (local.set $a (i32.add (local.get $out) (i32.shl (i32.load offset=16 (local.get $targets)) (i32.const 3))))
        (f64.store (local.get $a) (f64.add (f64.load (local.get $a)) (f64.load (i32.add (local.get $value) (i32.shl (local.get $n4) (i32.const 3))))))
        (local.set $a (i32.add (local.get $out) (i32.shl (i32.load offset=20 (local.get $targets)) (i32.const 3))))
        (f64.store (local.get $a) (f64.add (f64.load (local.get $a)) (f64.load (i32.add (local.get $value) (i32.shl (local.get $n5) (i32.const 3))))))
        (local.set $a (i32.add (local.get $out) (i32.shl (i32.load offset=24 (local.get $targets)) (i32.const 3))))
        (f64.store (local.get $a) (f64.add (f64.load (local.get $a)) (f64.load (i32.add (local.get $value) (i32.shl (local.get $n6) (i32.const 3))))))
        (local.set $a (i32.add (local.get $out) (i32.shl (i32.load offset=28 (local.get $targets)) (i32.const 3))))
        (f64.store (local.get $a) (f64.add (f64.load (local.get $a)) (f64.load (i32.add (local.get $value) (i32.shl (local.get $n7) (i32.const 3))))))
        (local.set $roots (i32.add (local.get $roots) (i32.const 32)))
        (local.set $depths (i32.add (local.get $depths) (i32.const 32)))
        (local.set $targets (i32.add (local.get $targets) (i32.const 32)))
        (br_if $groups (i32.lt_u (local.get $roots) (local.get $end)))))
    ;; the last nTrees mod 8 trees, one at a time
    (local.set $end (i32.add (local.get $roots) (i32.shl (i32.and (local.get $nTrees) (i32.const 7)) (i32.const 2))))
    (block $done
      (br_if $done (i32.ge_u (local.get $roots) (local.get $end)))
      (loop $trees
        (local.set $n0 (i32.load (local.get $roots)))
        (local.set $d (i32.load (local.get $depths)))
        (block $walked
          (br_if $walked (i32.eqz (local.get $d)))
          (loop $step
            (local.set $a (i32.add (local.get $nodes) (i32.shl (local.get $n0) (i32.const 4))))
            (local.set $f (i32.load offset=8 (local.get $a)))
            (local.set $v (f64.load (i32.add (local.get $x) (i32.shl (i32.and (local.get $f) (i32.const 0x7fffffff)) (i32.const 3)))))
            (local.set $n0 (i32.add (i32.load offset=12 (local.get $a))
              (i32.or
                (f64.gt (local.get $v) (f64.load (local.get $a)))
                (i32.and (f64.ne (local.get $v) (local.get $v)) (i32.shr_u (local.get $f) (i32.const 31))))))
            (local.set $d (i32.sub (local.get $d) (i32.const 1)))
            (br_if $step (local.get $d))))
        (local.set $a (i32.add (local.get $out) (i32.shl (i32.load offset=0 (local.get $targets)) (i32.const 3))))
        (f64.store (local.get $a) (f64.add (f64.load (local.get $a)) (f64.load (i32.add (local.get $value) (i32.shl (local.get $n0) (i32.const 3))))))
        (local.set $roots (i32.add (local.get $roots) (i32.const 4)))
        (local.set $depths (i32.add (local.get $depths) (i32.const 4)))
        (local.set $targets (i32.add (local.get $targets) (i32.const 4)))
        (br_if $trees (i32.lt_u (local.get $roots) (local.get $end))))))

  ;; Binning: the code of each of $n values at $x (f64) is the smallest b with x <= $thresholds[b]
  ;; ($nb thresholds, the last +Infinity); NaN gets $nb, the missing bin. Codes go to $out (u8).
  (func (export "assignBins") (param $x i32) (param $n i32) (param $thresholds i32) (param $nb i32) (param $out i32)
    (local $end i32) (local $v f64) (local $lo i32) (local $hi i32) (local $mid i32)
    (local.set $end (i32.add (local.get $out) (local.get $n)))
    (block $done
      (br_if $done (i32.ge_u (local.get $out) (local.get $end)))
      (loop $next
        (local.set $v (f64.load (local.get $x)))
        (if (f64.ne (local.get $v) (local.get $v))
          (then (i32.store8 (local.get $out) (local.get $nb)))
          (else
            (local.set $lo (i32.const 0))
            (local.set $hi (i32.sub (local.get $nb) (i32.const 1)))
            (block $found
              (loop $search
                (br_if $found (i32.ge_s (local.get $lo) (local.get $hi)))
                (local.set $mid (i32.shr_u (i32.add (local.get $lo) (local.get $hi)) (i32.const 1)))
                (if (f64.le (local.get $v) (f64.load (i32.add (local.get $thresholds) (i32.shl (local.get $mid) (i32.const 3)))))
                  (then (local.set $hi (local.get $mid)))
                  (else (local.set $lo (i32.add (local.get $mid) (i32.const 1)))))
                (br $search)))
            (i32.store8 (local.get $out) (local.get $lo))))
        (local.set $x (i32.add (local.get $x) (i32.const 8)))
        (local.set $out (i32.add (local.get $out) (i32.const 1)))
        (br_if $next (i32.lt_u (local.get $out) (local.get $end))))))
)
