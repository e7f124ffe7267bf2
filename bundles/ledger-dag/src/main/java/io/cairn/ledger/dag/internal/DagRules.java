package io.cairn.ledger.dag.internal;

import io.cairn.api.chain.Address;
import io.cairn.api.chain.Hash;
import io.cairn.api.chain.VerifiedTransaction;
import io.cairn.api.ledger.Claims;
import io.cairn.api.ledger.LedgerState;
import io.cairn.api.ledger.LedgerKey;
import io.cairn.api.ledger.Pending;
import io.cairn.api.node.StateView;
import io.cairn.api.node.TxRejectedException;
import io.cairn.api.node.TxRejectedException.Reason;
import io.cairn.ledger.dag.internal.DagState.Account;
import io.cairn.ledger.dag.internal.DagState.Receivable;
import io.cairn.ledger.dag.internal.DagState.TxIndex;
import java.math.BigInteger;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The DAG model's admission rules, as the pool asks for them (docs/ledgers.md, "DAG", Pool rules), the fields it
 * shows of a transaction, and the words of every refusal, which block execution shares: a block is refused for a
 * parent in the words the pool refuses a transaction for it. Stateless.
 */
final class DagRules {
    /** How far back admission follows an account's pending chain before it gives up (the pool is smaller). */
    static final int MAX_PENDING_WALK = 1 << 20;

    private DagRules() {}

    // ---------------------------------------------------------------- claims

    /**
     * A transaction consumes the head slot after its previous transaction and produces the slot after itself; a
     * send also produces its receivable, a receive consumes the receivable of its source.
     */
    static Claims claims(VerifiedTransaction tx) throws TxRejectedException {
        DagBody body = DagBody.of(tx).orReject();
        Address account = tx.sender();
        LedgerKey after = DagKeys.head(account, tx.hash());
        if (body.isSend()) {
            return new Claims(List.of(DagKeys.head(account, body.previous)),
                    List.of(after, DagKeys.receivable(tx.hash())));
        }
        return new Claims(List.of(DagKeys.head(account, body.previous), DagKeys.receivable(body.source)),
                List.of(after));
    }

    // ---------------------------------------------------------------- available

    /**
     * A head slot is available when its transaction is the account's head in state; a receivable when the send is
     * in state, not received. Nothing is held: a parent must be in state or produced by a pending transaction.
     */
    static boolean available(StateView state, LedgerKey key) throws TxRejectedException {
        if (DagKeys.isHead(key)) {
            DagKeys.Slot slot = DagKeys.slot(key);
            Account a = Account.load(state, slot.account());
            if (a.head().equals(slot.previous())) {
                return true;
            }
            throw headProblem(state, slot.account(), a, slot.previous());
        }
        Hash send = DagKeys.send(key);
        if (state.get(DagState.receivableKey(send)) != null) {
            return true;
        }
        throw sourceProblem(state, send);
    }

    /** Why {@code previous}, which is not the head of {@code account} in state, cannot be followed. */
    static TxRejectedException headProblem(StateView state, Address account, Account a, Hash previous) {
        if (previous.equals(Hash.ZERO)) {
            Hash first = DagState.chainAt(state, a.head(), a.height(), 1, DagState.MAX_WALK);
            return new TxRejectedException(Reason.FORK, "previous is zero (the start of a chain) but account " + account
                    + " already has " + (first == null ? "a chain, its head is " + a.head()
                            : "a chain that starts with transaction " + first) + ": a fork");
        }
        TxIndex at = TxIndex.load(state, previous);
        if (at == null) {
            return new TxRejectedException(Reason.UNKNOWN_PARENT,
                    "previous transaction " + previous + " of account " + account + " does not exist");
        }
        if (!at.account().equals(account)) {
            return wrongAccount(previous, at.account(), account);
        }
        Hash next = DagState.chainAt(state, a.head(), a.height(), at.height() + 1, DagState.MAX_WALK);
        return new TxRejectedException(Reason.FORK, "previous transaction " + previous + " of account " + account
                + " is already followed by " + (next == null ? "another transaction (its head is " + a.head() + ")"
                        : "transaction " + next) + ": a fork");
    }

    /** Why {@code send}, whose receivable is not in state, cannot be received. */
    static TxRejectedException sourceProblem(StateView state, Hash send) {
        TxIndex at = TxIndex.load(state, send);
        if (at == null) {
            return new TxRejectedException(Reason.UNKNOWN_PARENT, "send " + send + " does not exist");
        }
        if (at.kind() != DagBody.SEND) {
            return notASend(send);
        }
        return new TxRejectedException(Reason.ALREADY_RECEIVED, "send " + send + " is already received");
    }

    static TxRejectedException wrongAccount(Hash previous, Address owner, Address account) {
        return new TxRejectedException(Reason.WRONG_PARENT,
                "previous transaction " + previous + " is account " + owner + "'s, not " + account + "'s");
    }

    static TxRejectedException notASend(Hash source) {
        return new TxRejectedException(Reason.WRONG_PARENT, "source " + source + " is a receive, not a send");
    }

    static TxRejectedException wrongRecipient(Hash send, Address to, Address account) {
        return new TxRejectedException(Reason.WRONG_PARENT, "send " + send + " is to " + to + ", not to " + account);
    }

    static TxRejectedException insufficient(Address account, BigInteger balance, BigInteger amount) {
        return new TxRejectedException(Reason.INSUFFICIENT_BALANCE,
                "account " + account + " has balance " + balance + ", less than the amount " + amount);
    }

    /** "follow P of account A", or "start account A's chain" for the zero previous. */
    static String follows(Hash previous, Address account) {
        return previous.equals(Hash.ZERO) ? "start account " + account + "'s chain"
                : "follow " + previous + " of account " + account;
    }

    // ---------------------------------------------------------------- conflict

    static TxRejectedException conflict(VerifiedTransaction tx, LedgerKey key, Hash holder) {
        if (DagKeys.isHead(key)) {
            DagKeys.Slot slot = DagKeys.slot(key);
            if (slot.previous().equals(tx.hash())) {
                // a key the transaction produces: only a transaction of the same hash produces it
                return new TxRejectedException(Reason.DUPLICATE, "transaction " + tx.hash() + " is already pending");
            }
            return new TxRejectedException(Reason.FORK, "transaction " + tx.hash() + " and pending transaction "
                    + holder + " both " + follows(slot.previous(), slot.account()));
        }
        Hash send = DagKeys.send(key);
        if (send.equals(tx.hash())) {
            return new TxRejectedException(Reason.DUPLICATE, "transaction " + tx.hash() + " is already pending");
        }
        return new TxRejectedException(Reason.ALREADY_RECEIVED,
                "send " + send + " is already received by pending transaction " + holder);
    }

    // ---------------------------------------------------------------- admit

    /**
     * The rules that need state: a chain to run on; a send no larger than the account's balance at its previous
     * transaction (in state, or after the account's pending transactions up to it); a receive of a send to the
     * receiving account.
     */
    static void admit(VerifiedTransaction tx, StateView state, Pending pending, Balances balances)
            throws TxRejectedException {
        DagBody body = DagBody.of(tx).orReject();
        LedgerState.admitChain(tx, state);
        Address account = tx.sender();
        if (body.isSend()) {
            BigInteger balance = balanceAt(state, pending, account, body.previous, balances);
            BigInteger amount = body.amountValue();
            if (amount.compareTo(balance) > 0) {
                throw insufficient(account, balance, amount);
            }
            balances.put(account, tx.hash(), balance.subtract(amount));
        } else {
            Parent send = sendOf(state, pending, body.source);
            if (!send.to.equals(account)) {
                throw wrongRecipient(body.source, send.to, account);
            }
            BigInteger before = balances.get(account, body.previous);
            if (before == null) {
                Account a = Account.load(state, account);
                before = a.head().equals(body.previous) ? a.balanceValue() : null;
            }
            if (before != null) {
                balances.put(account, tx.hash(), before.add(send.amount));
            }
        }
    }

    /**
     * The balance each account has after the transaction of its chain last admitted, so that admitting the
     * account's next transaction does not walk back through all its pending ones (a walk per admission made a long
     * pending chain cost its square). The balance after a transaction is a function of the account's chain up to
     * it, which its hash fixes, so an entry is never wrong, only possibly replaced or forgotten: one entry per
     * account (the next transaction names the last one as its previous), and the map is emptied when it holds
     * {@link #MAX} accounts. Thread-safe.
     */
    static final class Balances {
        static final int MAX = 1 << 16;
        private record Known(Hash tx, BigInteger balance) {}
        private final ConcurrentHashMap<Address, Known> last = new ConcurrentHashMap<>();

        /** The balance of {@code account} after its transaction {@code tx}, if it is the one remembered. */
        BigInteger get(Address account, Hash tx) {
            Known k = last.get(account);
            return k != null && k.tx.equals(tx) ? k.balance : null;
        }

        void put(Address account, Hash tx, BigInteger balance) {
            if (last.size() >= MAX) {
                last.clear();
            }
            last.put(account, new Known(tx, balance));
        }

        int size() {
            return last.size();
        }
    }

    /** A send as admission sees it: in state (a receivable) or pending. */
    private record Parent(Address to, BigInteger amount) {}

    /**
     * The pool is asked first: a send the pool holds is, but for a block the pool has not heard of yet, not in
     * state, and a look in the pool's index costs less than a state read that finds nothing. Either gives the same
     * answer: the send's hash fixes its recipient and amount.
     */
    private static Parent sendOf(StateView state, Pending pending, Hash source) throws TxRejectedException {
        Optional<VerifiedTransaction> producer = pending.producer(DagKeys.receivable(source));
        if (producer.isPresent()) {
            DagBody send = DagBody.of(producer.get()).orReject();
            return new Parent(send.to, send.amountValue());
        }
        byte[] stored = state.get(DagState.receivableKey(source));
        if (stored != null) {
            Receivable r = Receivable.decode(source, stored);
            return new Parent(r.to(), new BigInteger(1, r.amount()));
        }
        throw sourceProblem(state, source);
    }

    /**
     * The account's balance after {@code previous}: its balance in state if that is its head, else the balance in
     * state moved by the account's pending transactions from its head up to {@code previous}.
     */
    static BigInteger balanceAt(StateView state, Pending pending, Address account, Hash previous)
            throws TxRejectedException {
        return balanceAt(state, pending, account, previous, new Balances());
    }

    /**
     * As {@link #balanceAt(StateView, Pending, Address, Hash)}, the walk ending at the first pending transaction
     * whose balance after it is known. When {@code previous} itself is pending and the balance after it known,
     * state is not read.
     */
    static BigInteger balanceAt(StateView state, Pending pending, Address account, Hash previous, Balances balances)
            throws TxRejectedException {
        BigInteger known = balances.get(account, previous);
        if (known != null && pending.producer(DagKeys.head(account, previous)).isPresent()) {
            return known;
        }
        Account a = Account.load(state, account);
        BigInteger delta = BigInteger.ZERO;
        Hash at = previous;
        for (int steps = 0; !at.equals(a.head()); steps++) {
            Optional<VerifiedTransaction> producer = pending.producer(DagKeys.head(account, at));
            if (producer.isEmpty() || steps >= MAX_PENDING_WALK) {
                throw headProblem(state, account, a, at);
            }
            BigInteger after = balances.get(account, at);
            if (after != null) {
                return after.add(delta);
            }
            DagBody b = DagBody.of(producer.get()).orReject();
            delta = b.isSend() ? delta.subtract(b.amountValue()) : delta.add(sendOf(state, pending, b.source).amount);
            at = b.previous;
        }
        return a.balanceValue().add(delta);
    }

    // ---------------------------------------------------------------- describe

    /** kind, account, previous, then to and amount (a send) or source (a receive). */
    static Map<String, Object> describe(VerifiedTransaction tx) throws TxRejectedException {
        DagBody body = DagBody.of(tx).orReject();
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("kind", body.kindName());
        out.put("account", tx.sender().toHex());
        out.put("previous", body.previous.toHex());
        if (body.isSend()) {
            out.put("to", body.to.toHex());
            out.put("amount", body.amountValue().toString());
        } else {
            out.put("source", body.source.toHex());
        }
        return out;
    }
}
