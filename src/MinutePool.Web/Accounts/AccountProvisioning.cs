using System.Net.Mail;
using Microsoft.AspNetCore.Identity;
using Microsoft.EntityFrameworkCore;
using MinutePool.Core.Accounts;
using MinutePool.Core.Common;
using MinutePool.Data;
using MinutePool.Data.Accounts;
using MinutePool.Data.Identity;

namespace MinutePool.Web.Accounts;

/// <summary>
/// Creates an account with its owner in one transaction: the account, its plan, its first API key, the
/// owner's sign-in (or, for a person who already has one, a new membership) and the owner role.
/// </summary>
public sealed class AccountProvisioning(MinutePoolDbContext db, AccountService accounts, MemberService members, UserManager<AppUser> users, TimeProvider clock)
{
    public async Task<Result<CreatedAccount>> CreateAsync(CreateAccountCommand command, string? ownerEmail, string? ownerPassword, string actor, CancellationToken cancellationToken = default)
    {
        if (!IsEmail(ownerEmail))
        {
            return DomainError.Validation("owner.email", "The owner needs a valid e-mail address.");
        }

        var existing = await users.FindByEmailAsync(ownerEmail!);
        if (existing is null && await PasswordProblemAsync(ownerPassword) is { } weak)
        {
            return DomainError.Validation("owner.password", weak);
        }

        // A new account has no tenant yet when its rows are written: this is operator work across accounts.
        using var acrossAccounts = db.Tenant.AcrossAccounts();
        await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
        var created = await accounts.CreateAsync(command, actor, cancellationToken);
        if (!created.IsSuccess)
        {
            return created;
        }

        var owner = existing;
        if (owner is null)
        {
            owner = new AppUser { UserName = ownerEmail, Email = ownerEmail, DisplayName = ownerEmail!, CreatedAt = clock.GetUtcNow() };
            var result = await users.CreateAsync(owner, ownerPassword!);
            if (!result.Succeeded)
            {
                return DomainError.Validation("owner", string.Join(" ", result.Errors.Select(e => e.Description)));
            }
        }

        db.Memberships.Add(new Membership { AccountId = created.Value.Account.Id, UserId = owner.Id, Role = AccountRole.Owner, CreatedAt = clock.GetUtcNow() });
        await db.SaveChangesAsync(cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        return created;
    }

    /// <summary>
    /// Adds a person to the current account by e-mail. Someone without a sign-in gets one with a
    /// temporary password, returned here to be shown once (there is no e-mail delivery).
    /// </summary>
    public async Task<Result<(Membership Membership, string? TemporaryPassword)>> AddMemberAsync(
        string? email, AccountRole role, Guid? workspaceId, string actor, CancellationToken cancellationToken = default)
    {
        if (!IsEmail(email))
        {
            return DomainError.Validation("email", "Enter a valid e-mail address.");
        }

        await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
        var person = await users.FindByEmailAsync(email!);
        string? temporaryPassword = null;
        if (person is null)
        {
            temporaryPassword = PasswordGenerator.New();
            person = new AppUser { UserName = email, Email = email, DisplayName = email!, CreatedAt = clock.GetUtcNow() };
            var created = await users.CreateAsync(person, temporaryPassword);
            if (!created.Succeeded)
            {
                return DomainError.Validation("email", string.Join(" ", created.Errors.Select(e => e.Description)));
            }
        }

        var added = await members.AddAsync(person.Id, role, workspaceId, actor, cancellationToken);
        if (!added.IsSuccess)
        {
            return added.Error;
        }

        await transaction.CommitAsync(cancellationToken);
        return (added.Value, temporaryPassword);
    }

    private async Task<string?> PasswordProblemAsync(string? password)
    {
        if (string.IsNullOrEmpty(password))
        {
            return "The owner needs a password.";
        }

        foreach (var validator in users.PasswordValidators)
        {
            var result = await validator.ValidateAsync(users, new AppUser(), password);
            if (!result.Succeeded)
            {
                return string.Join(" ", result.Errors.Select(e => e.Description));
            }
        }

        return null;
    }

    private static bool IsEmail(string? value) =>
        value is { Length: > 3 and <= 256 } && MailAddress.TryCreate(value, out var address) && address.Address == value;
}
