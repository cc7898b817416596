// SPDX-License-Identifier: MIT
pragma solidity ^0.8.20;

/**
 * @title btfs-ts renter vault
 * @notice Holds a renter's BTT (a TRC-20) and pays hosts' cumulative cheques. A cheque is the
 * issuer's TIP-712 (= EIP-712) signature over Cheque(vault, beneficiary, cumulativePayout): the
 * total ever owed to that beneficiary from this vault. Cashing pays the part not yet paid, as far
 * as the balance goes; what is left bounces and stays cashable with the same cheque later. The
 * issuer takes money back only through a request and a time lock, so a host holding a cheque
 * has `withdrawLock` seconds to cash it.
 * @dev Built for TRON's TVM: evmVersion paris (no PUSH0, no MCOPY), no block.chainid (the
 * TIP-712 chain id is passed in and stored), only the ecrecover precompile.
 */
contract Vault {
    struct Withdrawal {
        uint256 amount;
        uint256 after_; // `after` is a reserved word in Solidity
    }

    bytes32 private constant DOMAIN_TYPEHASH =
        keccak256("EIP712Domain(string name,string version,uint256 chainId,address verifyingContract)");
    bytes32 private constant CHEQUE_TYPEHASH =
        keccak256("Cheque(address vault,address beneficiary,uint256 cumulativePayout)");
    /// secp256k1 order / 2: a larger s is the malleable twin of a valid signature.
    uint256 private constant HALF_ORDER =
        0x7FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFF5D576E7357A4501DDFE92F46681B20A0;

    address public immutable token;
    address public immutable issuer;
    /// @notice The chain id the cheques' TIP-712 domain names (TVM's block.chainid differs).
    uint256 public immutable chainId;
    uint64 public immutable withdrawLock;
    bytes32 public immutable domainSeparator;

    mapping(address => uint256) public paidOut;
    uint256 public totalPaidOut;
    Withdrawal public withdrawal;

    event Deposited(address indexed from, uint256 amount);
    event ChequeCashed(address indexed beneficiary, address indexed caller, uint256 cumulativePayout, uint256 paid);
    event ChequeBounced(address indexed beneficiary, uint256 cumulativePayout, uint256 unpaid);
    event WithdrawalRequested(uint256 amount, uint256 after_);
    event Withdrawn(uint256 amount);

    modifier onlyIssuer() {
        require(msg.sender == issuer, "only the issuer");
        _;
    }

    constructor(address token_, address issuer_, uint256 chainId_, uint64 withdrawLock_) {
        require(token_.code.length > 0, "token is not a contract");
        require(issuer_ != address(0), "issuer is the zero address");
        token = token_;
        issuer = issuer_;
        chainId = chainId_;
        withdrawLock = withdrawLock_;
        domainSeparator = keccak256(
            abi.encode(DOMAIN_TYPEHASH, keccak256("btfs-ts"), keccak256("1"), chainId_, address(this))
        );
    }

    /// @notice Moves `amount` of the token from the caller (who approved it) into the vault.
    function deposit(uint256 amount) external {
        require(amount > 0, "amount is zero");
        _callToken(abi.encodeWithSelector(0x23b872dd, msg.sender, address(this), amount), "token transferFrom failed");
        emit Deposited(msg.sender, amount);
    }

    /**
     * @notice Pays `beneficiary` what its cheque adds to what it was already paid, as far as the
     * balance goes. Anyone may call; the tokens always go to the beneficiary.
     * @return paid Token units moved by this call (less than due when the cheque bounced).
     */
    function cashCheque(address beneficiary, uint256 cumulativePayout, bytes calldata signature)
        external
        returns (uint256 paid)
    {
        require(beneficiary != address(0), "beneficiary is the zero address");
        bytes32 digest = keccak256(
            abi.encodePacked(
                "\x19\x01",
                domainSeparator,
                keccak256(abi.encode(CHEQUE_TYPEHASH, address(this), beneficiary, cumulativePayout))
            )
        );
        require(_recover(digest, signature) == issuer, "cheque not signed by the issuer");
        uint256 already = paidOut[beneficiary];
        require(cumulativePayout > already, "nothing to cash");

        uint256 due = cumulativePayout - already;
        uint256 available = balance();
        paid = due < available ? due : available;
        if (paid > 0) {
            paidOut[beneficiary] = already + paid;
            totalPaidOut += paid;
            _callToken(abi.encodeWithSelector(0xa9059cbb, beneficiary, paid), "token transfer failed");
        }
        emit ChequeCashed(beneficiary, msg.sender, cumulativePayout, paid);
        if (paid < due) {
            emit ChequeBounced(beneficiary, cumulativePayout, due - paid);
        }
    }

    /// @notice Asks to take `amount` back; possible from now + withdrawLock. Replaces an earlier request.
    function requestWithdrawal(uint256 amount) external onlyIssuer {
        require(amount > 0, "amount is zero");
        uint256 after_ = block.timestamp + withdrawLock;
        withdrawal = Withdrawal(amount, after_);
        emit WithdrawalRequested(amount, after_);
    }

    /// @notice Sends the requested amount (or the whole balance, if smaller) to the issuer.
    function withdraw() external onlyIssuer {
        Withdrawal memory w = withdrawal;
        require(w.amount > 0, "no withdrawal requested");
        require(block.timestamp >= w.after_, "withdrawal is still locked");
        uint256 available = balance();
        uint256 amount = w.amount < available ? w.amount : available;
        delete withdrawal;
        if (amount > 0) {
            _callToken(abi.encodeWithSelector(0xa9059cbb, issuer, amount), "token transfer failed");
        }
        emit Withdrawn(amount);
    }

    /// @notice Token units the vault holds.
    function balance() public view returns (uint256) {
        (bool ok, bytes memory ret) = token.staticcall(abi.encodeWithSelector(0x70a08231, address(this)));
        require(ok && ret.length >= 32, "token balanceOf failed");
        return abi.decode(ret, (uint256));
    }

    /// @dev Signer of `digest`; rejects bad lengths, v other than 27/28 and high-s (malleable) signatures.
    function _recover(bytes32 digest, bytes calldata signature) private pure returns (address signer) {
        require(signature.length == 65, "signature is not 65 bytes");
        bytes32 r = bytes32(signature[0:32]);
        bytes32 s = bytes32(signature[32:64]);
        uint8 v = uint8(signature[64]);
        require(v == 27 || v == 28, "signature v is not 27 or 28");
        require(uint256(s) <= HALF_ORDER, "signature s is malleable (high)");
        signer = ecrecover(digest, v, r, s);
        require(signer != address(0), "invalid signature");
    }

    /// @dev Calls the token; passes its revert reason on, accepts no return data or `true`.
    function _callToken(bytes memory data, string memory failure) private {
        (bool ok, bytes memory ret) = token.call(data);
        if (!ok && ret.length > 0) {
            assembly {
                revert(add(ret, 32), mload(ret))
            }
        }
        require(ok && (ret.length == 0 || (ret.length >= 32 && abi.decode(ret, (bool)))), failure);
    }
}
