using Microsoft.EntityFrameworkCore.Migrations;
using Microsoft.EntityFrameworkCore.Migrations.Operations;
using Microsoft.EntityFrameworkCore.Migrations.Operations.Builders;

namespace MinutePool.Data.Migrations;

/// <summary>
/// The tables of Quartz.NET's ADO job store (PostgreSQL delegate, table prefix <c>qrtz_</c>), so that
/// several app instances share one schedule and each firing runs once. They belong to Quartz, not to our
/// model, so the schema test leaves them out and the clustering test exercises them instead.
/// </summary>
internal static class QuartzTables
{
    private static readonly string[] TriggerKey = ["sched_name", "trigger_name", "trigger_group"];

    public static void Create(MigrationBuilder m)
    {
        m.CreateTable("qrtz_job_details", t => new
        {
            sched_name = Text(t), job_name = Text(t), job_group = Text(t), description = Text(t, true), job_class_name = Text(t),
            is_durable = Bool(t), is_nonconcurrent = Bool(t), is_update_data = Bool(t), requests_recovery = Bool(t), job_data = Bytes(t),
        }, constraints: t => t.PrimaryKey("qrtz_job_details_pkey", x => new { x.sched_name, x.job_name, x.job_group }));

        m.CreateTable("qrtz_triggers", t => new
        {
            sched_name = Text(t), trigger_name = Text(t), trigger_group = Text(t), job_name = Text(t), job_group = Text(t), description = Text(t, true),
            next_fire_time = Long(t, true), prev_fire_time = Long(t, true), priority = t.Column<int>(type: "integer", nullable: true),
            trigger_state = Text(t), trigger_type = Text(t), start_time = Long(t), end_time = Long(t, true), calendar_name = Text(t, true),
            misfire_instr = t.Column<short>(type: "smallint", nullable: true), misfire_orig_fire_time = Long(t, true),
            execution_group = t.Column<string>(type: "character varying(200)", nullable: true),
            preferred_node = t.Column<string>(type: "character varying(200)", nullable: true),
            preferred_node_auto = t.Column<bool>(type: "boolean", nullable: false, defaultValue: false),
            job_data = Bytes(t),
        }, constraints: t =>
        {
            t.PrimaryKey("qrtz_triggers_pkey", x => new { x.sched_name, x.trigger_name, x.trigger_group });
            t.ForeignKey("qrtz_triggers_job_fkey", x => new { x.sched_name, x.job_name, x.job_group }, "qrtz_job_details", ["sched_name", "job_name", "job_group"]);
        });

        m.CreateTable("qrtz_simple_triggers", t => new
        {
            sched_name = Text(t), trigger_name = Text(t), trigger_group = Text(t), repeat_count = Long(t), repeat_interval = Long(t), times_triggered = Long(t),
        }, constraints: t =>
        {
            t.PrimaryKey("qrtz_simple_triggers_pkey", x => new { x.sched_name, x.trigger_name, x.trigger_group });
            t.ForeignKey("qrtz_simple_triggers_fkey", x => new { x.sched_name, x.trigger_name, x.trigger_group }, "qrtz_triggers", TriggerKey, onDelete: ReferentialAction.Cascade);
        });

        m.CreateTable("qrtz_simprop_triggers", t => new
        {
            sched_name = Text(t), trigger_name = Text(t), trigger_group = Text(t),
            str_prop_1 = Text(t, true), str_prop_2 = Text(t, true), str_prop_3 = Text(t, true),
            int_prop_1 = t.Column<int>(type: "integer", nullable: true), int_prop_2 = t.Column<int>(type: "integer", nullable: true),
            long_prop_1 = Long(t, true), long_prop_2 = Long(t, true),
            dec_prop_1 = t.Column<decimal>(type: "numeric", nullable: true), dec_prop_2 = t.Column<decimal>(type: "numeric", nullable: true),
            bool_prop_1 = t.Column<bool>(type: "boolean", nullable: true), bool_prop_2 = t.Column<bool>(type: "boolean", nullable: true),
            time_zone_id = Text(t, true),
        }, constraints: t =>
        {
            t.PrimaryKey("qrtz_simprop_triggers_pkey", x => new { x.sched_name, x.trigger_name, x.trigger_group });
            t.ForeignKey("qrtz_simprop_triggers_fkey", x => new { x.sched_name, x.trigger_name, x.trigger_group }, "qrtz_triggers", TriggerKey, onDelete: ReferentialAction.Cascade);
        });

        m.CreateTable("qrtz_cron_triggers", t => new
        {
            sched_name = Text(t), trigger_name = Text(t), trigger_group = Text(t), cron_expression = Text(t), time_zone_id = Text(t, true),
        }, constraints: t =>
        {
            t.PrimaryKey("qrtz_cron_triggers_pkey", x => new { x.sched_name, x.trigger_name, x.trigger_group });
            t.ForeignKey("qrtz_cron_triggers_fkey", x => new { x.sched_name, x.trigger_name, x.trigger_group }, "qrtz_triggers", TriggerKey, onDelete: ReferentialAction.Cascade);
        });

        m.CreateTable("qrtz_blob_triggers", t => new
        {
            sched_name = Text(t), trigger_name = Text(t), trigger_group = Text(t), blob_data = Bytes(t),
        }, constraints: t =>
        {
            t.PrimaryKey("qrtz_blob_triggers_pkey", x => new { x.sched_name, x.trigger_name, x.trigger_group });
            t.ForeignKey("qrtz_blob_triggers_fkey", x => new { x.sched_name, x.trigger_name, x.trigger_group }, "qrtz_triggers", TriggerKey, onDelete: ReferentialAction.Cascade);
        });

        m.CreateTable("qrtz_calendars", t => new { sched_name = Text(t), calendar_name = Text(t), calendar = t.Column<byte[]>(type: "bytea", nullable: false) },
            constraints: t => t.PrimaryKey("qrtz_calendars_pkey", x => new { x.sched_name, x.calendar_name }));

        m.CreateTable("qrtz_paused_trigger_grps", t => new { sched_name = Text(t), trigger_group = Text(t) },
            constraints: t => t.PrimaryKey("qrtz_paused_trigger_grps_pkey", x => new { x.sched_name, x.trigger_group }));

        m.CreateTable("qrtz_fired_triggers", t => new
        {
            sched_name = Text(t), entry_id = Text(t), trigger_name = Text(t), trigger_group = Text(t), instance_name = Text(t),
            fired_time = Long(t), sched_time = Long(t), priority = t.Column<int>(type: "integer", nullable: false), state = Text(t),
            job_name = Text(t, true), job_group = Text(t, true), is_nonconcurrent = Bool(t), requests_recovery = t.Column<bool>(type: "boolean", nullable: true),
            execution_group = t.Column<string>(type: "character varying(200)", nullable: true),
        }, constraints: t => t.PrimaryKey("qrtz_fired_triggers_pkey", x => new { x.sched_name, x.entry_id }));

        m.CreateTable("qrtz_scheduler_state", t => new { sched_name = Text(t), instance_name = Text(t), last_checkin_time = Long(t), checkin_interval = Long(t) },
            constraints: t => t.PrimaryKey("qrtz_scheduler_state_pkey", x => new { x.sched_name, x.instance_name }));

        m.CreateTable("qrtz_locks", t => new { sched_name = Text(t), lock_name = Text(t) },
            constraints: t => t.PrimaryKey("qrtz_locks_pkey", x => new { x.sched_name, x.lock_name }));

        m.CreateIndex("idx_qrtz_t_next_fire_time", "qrtz_triggers", ["sched_name", "next_fire_time"]);
        m.CreateIndex("idx_qrtz_t_nft_st", "qrtz_triggers", ["sched_name", "trigger_state", "next_fire_time"]);
        m.CreateIndex("idx_qrtz_ft_trig_inst_name", "qrtz_fired_triggers", ["sched_name", "instance_name"]);
        m.CreateIndex("idx_qrtz_ft_trig_nm_gp", "qrtz_fired_triggers", ["sched_name", "trigger_name", "trigger_group"]);
    }

    public static void Drop(MigrationBuilder m)
    {
        foreach (var table in new[]
                 {
                     "qrtz_fired_triggers", "qrtz_paused_trigger_grps", "qrtz_scheduler_state", "qrtz_locks", "qrtz_simprop_triggers",
                     "qrtz_simple_triggers", "qrtz_cron_triggers", "qrtz_blob_triggers", "qrtz_triggers", "qrtz_job_details", "qrtz_calendars",
                 })
        {
            m.DropTable(table);
        }
    }

    private static OperationBuilder<AddColumnOperation> Text(ColumnsBuilder t, bool nullable = false) =>
        t.Column<string>(type: "text", nullable: nullable);

    private static OperationBuilder<AddColumnOperation> Long(ColumnsBuilder t, bool nullable = false) =>
        t.Column<long>(type: "bigint", nullable: nullable);

    private static OperationBuilder<AddColumnOperation> Bool(ColumnsBuilder t) =>
        t.Column<bool>(type: "boolean", nullable: false);

    private static OperationBuilder<AddColumnOperation> Bytes(ColumnsBuilder t) =>
        t.Column<byte[]>(type: "bytea", nullable: true);
}
