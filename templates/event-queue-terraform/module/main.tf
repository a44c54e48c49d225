# An event queue with its dead-letter queue, described with terraform_data so the module runs
# without a cloud provider. Each resource's input holds the queue's full configuration (what an
# aws_sqs_queue would be given), and the outputs are the addresses consumers need.

locals {
  fifo     = var.queue_type == "fifo"
  suffix   = local.fifo ? ".fifo" : ""
  name     = "${var.queue_name}${local.suffix}"
  dlq_name = "${var.queue_name}-dlq${local.suffix}"

  url_prefix = "https://sqs.${var.region}.amazonaws.com/${var.account_id}"
  arn_prefix = "arn:aws:sqs:${var.region}:${var.account_id}"

  retention_seconds = var.message_retention_days * 86400
}

resource "terraform_data" "dead_letter_queue" {
  input = {
    name                      = local.dlq_name
    url                       = "${local.url_prefix}/${local.dlq_name}"
    arn                       = "${local.arn_prefix}:${local.dlq_name}"
    fifo_queue                = local.fifo
    message_retention_seconds = 1209600 # 14 days, the maximum: time to inspect and redrive
    sqs_managed_sse_enabled   = true
    tags                      = merge(var.tags, { "queue-role" = "dead-letter" })
  }
}

resource "terraform_data" "queue" {
  input = {
    name                        = local.name
    url                         = "${local.url_prefix}/${local.name}"
    arn                         = "${local.arn_prefix}:${local.name}"
    fifo_queue                  = local.fifo
    content_based_deduplication = local.fifo
    visibility_timeout_seconds  = var.visibility_timeout_seconds
    message_retention_seconds   = local.retention_seconds
    receive_wait_time_seconds   = 20 # long polling: fewer empty receives, lower request cost
    sqs_managed_sse_enabled     = true
    redrive_policy = jsonencode({
      deadLetterTargetArn = terraform_data.dead_letter_queue.output.arn
      maxReceiveCount     = var.max_receive_count
    })
    tags = merge(var.tags, { "queue-role" = "main" })
  }
}
