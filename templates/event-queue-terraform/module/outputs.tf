output "queue_name" {
  description = "Name of the queue."
  value       = terraform_data.queue.output.name
}

output "queue_url" {
  description = "URL producers send to and consumers receive from."
  value       = terraform_data.queue.output.url
}

output "queue_arn" {
  description = "ARN of the queue, for IAM policies and event source mappings."
  value       = terraform_data.queue.output.arn
}

output "dead_letter_queue_url" {
  description = "URL of the dead-letter queue."
  value       = terraform_data.dead_letter_queue.output.url
}

output "dead_letter_queue_arn" {
  description = "ARN of the dead-letter queue."
  value       = terraform_data.dead_letter_queue.output.arn
}

output "redrive_policy" {
  description = "The redrive policy of the queue, as JSON."
  value       = terraform_data.queue.output.redrive_policy
}
