//! `shenhe staff …`: staff accounts from the command line. A new or reset account gets a
//! one-time password, shown once, that must be changed at first sign-in.

use anyhow::{Context, bail};
use clap::Subcommand;

use crate::auth::staff::{StaffAdmin, StaffError};
use crate::db::Db;
use crate::db::audit::Actor;
use crate::db::settings::TOTP_REQUIRED;
use crate::db::staff::{Role, StaffRow};

#[derive(Debug, Subcommand)]
pub enum StaffCommand {
    /// Create a staff account and print its one-time initial password.
    Add {
        /// 3–32 characters of A–Z a–z 0–9 _ . - (not 18 long: that reads as an ID number).
        username: String,
        /// reviewer (审核员) or admin (管理员).
        #[arg(long, value_parser = parse_role)]
        role: Role,
    },
    /// List staff accounts.
    List,
    /// After a lost password or phone: a new one-time password, two-step verification
    /// off, every session ended.
    Reset { username: String },
    /// Stop an account from signing in; its sessions end at once.
    Disable { username: String },
    /// Let a disabled account sign in again.
    Enable { username: String },
    /// Change an account's role (the last active admin stays an admin).
    Role {
        username: String,
        /// reviewer (审核员) or admin (管理员).
        #[arg(value_parser = parse_role)]
        role: Role,
    },
    /// Make two-step verification mandatory for every staff member (true) or optional.
    RequireTotp {
        #[arg(action = clap::ArgAction::Set)]
        required: bool,
    },
}

fn parse_role(text: &str) -> Result<Role, String> {
    Role::parse(text).ok_or_else(|| "角色须为 reviewer（审核员）或 admin（管理员）".to_string())
}

pub async fn run(db: &Db, command: StaffCommand) -> anyhow::Result<()> {
    let admin = StaffAdmin {
        db: db.clone(),
        actor: Actor::Cli,
        ip: None,
    };
    match command {
        StaffCommand::Add { username, role } => {
            let (staff, password) = match admin.create(&username, role).await {
                Err(StaffError::Taken(_)) => bail!(
                    "用户名 {username} 已存在；如需重置其密码，请用 `shenhe staff reset {username}`"
                ),
                other => other.map_err(refused)?,
            };
            println!("已创建{}账号：{}", role.label(), staff.username);
            print_password(&password);
        }
        StaffCommand::List => {
            for s in db.list_staff().await? {
                let role = Role::parse(&s.role).map_or(s.role.as_str(), |r| r.label());
                let mut notes = Vec::new();
                if s.disabled {
                    notes.push("已停用");
                }
                if s.must_change_password {
                    notes.push("待修改初始密码");
                }
                notes.push(if s.totp_enabled {
                    "两步验证已启用"
                } else {
                    "未启用两步验证"
                });
                println!("{}  {role}  {}", s.username, notes.join("，"));
            }
        }
        StaffCommand::Reset { username } => {
            let staff = find(db, &username).await?;
            let (_, password) = admin.reset(staff.id).await.map_err(refused)?;
            println!("已重置账号 {username}：两步验证已关闭，所有登录已退出。");
            print_password(&password);
        }
        StaffCommand::Disable { username } => {
            let staff = find(db, &username).await?;
            admin.set_disabled(staff.id, true).await.map_err(refused)?;
            println!("已停用账号 {username}，其登录已全部退出。");
        }
        StaffCommand::Enable { username } => {
            let staff = find(db, &username).await?;
            admin.set_disabled(staff.id, false).await.map_err(refused)?;
            println!("已启用账号 {username}。");
        }
        StaffCommand::Role { username, role } => {
            let staff = find(db, &username).await?;
            admin.set_role(staff.id, role).await.map_err(refused)?;
            println!("已将账号 {username} 的角色改为{}。", role.label());
        }
        StaffCommand::RequireTotp { required } => {
            let value = if required { "true" } else { "false" };
            db.change_setting(TOTP_REQUIRED, value, Actor::Cli, None)
                .await?;
            if required {
                println!(
                    "已要求所有工作人员启用两步验证：未启用者登录后须先设置，才能进行其他操作。"
                );
            } else {
                println!("两步验证改为自愿启用。");
            }
        }
    }
    Ok(())
}

/// A refusal as the command's error: the admin's message, or the internal error's chain.
fn refused(error: StaffError) -> anyhow::Error {
    match error {
        StaffError::Internal(e) => e,
        other => anyhow::anyhow!("{other}"),
    }
}

async fn find(db: &Db, username: &str) -> anyhow::Result<StaffRow> {
    db.find_staff(username).await?.with_context(|| {
        format!("没有用户名为 {username} 的工作人员；`shenhe staff list` 列出所有账号")
    })
}

fn print_password(password: &str) {
    println!("一次性初始密码：{password}");
    println!("（只显示这一次，请当面或通过可靠渠道交给本人；首次登录后须修改密码。）");
}
