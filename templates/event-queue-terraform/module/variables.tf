variable "queue_name" {
  description = "Base name of the queue; the dead-letter queue is <name>-dlq. FIFO queues get the .fifo suffix."
  type        = string

  validation {
    condition     = can(regex("^[a-z][a-z0-9-]{2,60}$", var.queue_name))
    error_message = "queue_name must be 3-61 lowercase letters, digits or dashes, starting with a letter."
  }
}

variable "queue_type" {
  description = "standard (at-least-once, best-effort order) or fifo (exactly-once processing, strict order per message group)."
  type        = string
  default     = "standard"

  validation {
    condition     = contains(["standard", "fifo"], var.queue_type)
    error_message = "queue_type must be standard or fifo."
  }
}

variable "region" {
  description = "Region of the queues."
  type        = string
}

variable "visibility_timeout_seconds" {
  description = "How long a received message stays hidden from other consumers."
  type        = number
  default     = 30

  validation {
    condition     = var.visibility_timeout_seconds >= 0 && var.visibility_timeout_seconds <= 43200
    error_message = "visibility_timeout_seconds must be between 0 and 43200 (12 hours)."
  }
}

variable "message_retention_days" {
  description = "How long an unconsumed message is kept."
  type        = number
  default     = 4

  validation {
    condition     = var.message_retention_days >= 1 && var.message_retention_days <= 14
    error_message = "message_retention_days must be between 1 and 14."
  }
}

variable "max_receive_count" {
  description = "Receives after which a message moves to the dead-letter queue."
  type        = number
  default     = 5

  validation {
    condition     = var.max_receive_count >= 1 && var.max_receive_count <= 1000
    error_message = "max_receive_count must be between 1 and 1000."
  }
}

variable "account_id" {
  description = "Account the queue URLs and ARNs are written for."
  type        = string
  default     = "000000000000"

  validation {
    condition     = can(regex("^[0-9]{12}$", var.account_id))
    error_message = "account_id must be 12 digits."
  }
}

variable "tags" {
  description = "Tags for every resource; Provisio passes its mandatory tags (team, owner, cost-center, expires-at, ...) and the template's."
  type        = map(string)
  default     = {}
}
